import WebSocket from 'ws';
import { PartaClient, type PartaError, type Realtime, type WebSocketCtor } from '@parta/sdk';
import type { Message } from '@parta/protocol';

/** One signed-in member with its realtime connection and everything it received. */
export interface RecordedMember {
  name: string;
  personId: number;
  client: PartaClient;
  rt: Realtime;
  chats: number[];
  /** chatId → seq → emitted messages (the SDK's `message` event). */
  received: Map<number, Map<number, Message[]>>;
  /** Emission order per chat, to report reordering. */
  order: Map<number, number[]>;
  /** `message.new` / `message.updated` frames on the wire per `chatId:seq` (before the SDK's de-duplication). */
  wire: Map<string, number>;
  synced: Set<number>;
  serverErrors: PartaError[];
  disconnects: number;
  welcomes: number;
}

/**
 * Signs a person in (dev login) at `base`, connects with reconnects, follows `chats` from the
 * start and records every message, frame, sync, error and reconnect.
 */
export async function connectRecordedMember(
  base: string,
  person: { id: number; login: string },
  name: string,
  chats: number[],
): Promise<RecordedMember> {
  const client = new PartaClient({ baseUrl: base, WebSocket: WebSocket as unknown as WebSocketCtor });
  await client.devLogin({ login: person.login, deviceName: 'durability test' });
  const rt = client.connect({ reconnect: true, maxBackoffMs: 300 });
  const m: RecordedMember = {
    name,
    personId: person.id,
    client,
    rt,
    chats,
    received: new Map(),
    order: new Map(),
    wire: new Map(),
    synced: new Set(),
    serverErrors: [],
    disconnects: 0,
    welcomes: 0,
  };
  rt.on('message', (msg) => {
    let bySeq = m.received.get(msg.chatId);
    if (!bySeq) m.received.set(msg.chatId, (bySeq = new Map<number, Message[]>()));
    bySeq.set(msg.seq, [...(bySeq.get(msg.seq) ?? []), msg]);
    let order = m.order.get(msg.chatId);
    if (!order) m.order.set(msg.chatId, (order = []));
    order.push(msg.seq);
  });
  rt.on('frame', (f) => {
    if (f.type === 'message.new' || f.type === 'message.updated') {
      const key = `${f.message.chatId}:${f.message.seq}`;
      m.wire.set(key, (m.wire.get(key) ?? 0) + 1);
    }
  });
  rt.on('synced', (s) => m.synced.add(s.chatId));
  rt.on('serverError', (e) => m.serverErrors.push(e));
  rt.on('disconnected', () => m.disconnects++);
  rt.on('welcome', () => m.welcomes++);
  for (const c of chats) rt.follow(c, 0);
  return m;
}
