import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { builders, createTestDatabase, type TestDatabase } from '@parta/testkit';
import { openStore } from '@parta/server';
import { PartaError, type Realtime } from '@parta/sdk';
import type { Message, SendAck } from '@parta/protocol';
import { freePort, killServerProcesses, sleep, startServerProcess, waitFor, waitHealthy } from '../support/server-process.js';
import { connectRecordedMember, type RecordedMember } from '../support/recorded-member.js';

/**
 * Durability of acknowledged sends across a crash: the real server (`node packages/server/dist/cli.js
 * start`) is killed with SIGKILL in the middle of a send load, then restarted on the same database and
 * port. The SDK reconnects by itself, catches up from its versions and re-sends what was never
 * acknowledged. Afterwards every acknowledged message is stored where its ack said, every chat's log
 * is 1..N without gaps or repeats, and every member has seen every message of its chats exactly once.
 */

/** Sends each sender stream keeps in flight at once. */
const WINDOW = 6;
/** The kill comes after this many acks… */
const KILL_AFTER_ACKS = 600;
/** …or after this much load, whichever is first. */
const KILL_AFTER_MS = 1_000;
/** Sends each stream queues while the server is down. */
const OFFLINE_SENDS = 2;

const realtimes: Realtime[] = [];
let database: TestDatabase | null = null;
/** Set at the kill, and on the way out of a failed run: the send loops issue nothing more. */
let loadStopped = false;

afterAll(async () => {
  loadStopped = true;
  for (const rt of realtimes) rt.close();
  await killServerProcesses();
  await database?.drop();
});

/** One send and what became of it. */
interface SendRecord {
  stream: string;
  chatId: number;
  clientId: string;
  text: string;
  phase: 'load' | 'offline';
  ack: SendAck | null;
  error: unknown;
  ackedBeforeKill: boolean;
  inFlightAtKill: boolean;
  /** When the ack came: from the first server, read after the kill; or from the restarted one. */
  ackedIn: 'first' | 'first-after-kill' | 'restarted' | null;
}

describe('durability across kill -9', () => {
  it('keeps every acknowledged message and delivers every message to every member exactly once after a restart', async () => {
    const t0 = Date.now();
    // ── data ──────────────────────────────────────────────────────────────────────────────────
    database = await createTestDatabase();
    const store = openStore(database.options);
    let persons: { id: number; login: string }[];
    let chatA: number;
    let chatB: number;
    try {
      await store.migrate();
      const build = builders(store);
      const school = await build.school();
      persons = [];
      for (let i = 0; i < 6; i++) {
        const p = await build.person({ lastName: `Стойкий${i}`, firstName: 'Тест' });
        await build.membership({ personId: p.id, role: i === 0 ? 'teacher' : 'student', organizationId: school.id });
        persons.push({ id: p.id, login: p.login! });
      }
      chatA = (
        await build.chat({ organizationId: school.id, title: 'A', members: persons.slice(0, 5).map((p) => ({ personId: p.id })) })
      ).id;
      chatB = (
        await build.chat({ organizationId: school.id, title: 'B', members: persons.slice(2, 6).map((p) => ({ personId: p.id })) })
      ).id;
    } finally {
      await store.close();
    }
    const chatMembers = new Map<number, number[]>([
      [chatA, [0, 1, 2, 3, 4]],
      [chatB, [2, 3, 4, 5]],
    ]);

    // ── server ────────────────────────────────────────────────────────────────────────────────
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const serverEnv = {
      ...database.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      PARTA_DEV_LOGIN: '1',
      LOG_LEVEL: 'warn',
      // The members send as fast as they can, which the abuse limits would slow down.
      PARTA_SEND_RATE_PER_SEC: '100000',
      PARTA_WS_FRAME_RATE_PER_SEC: '100000',
      PARTA_WS_FRAME_BURST: '100000',
    };
    const first = startServerProcess(serverEnv);
    await waitHealthy(first, base);
    const tStarted = Date.now();

    // ── members ───────────────────────────────────────────────────────────────────────────────
    const members: RecordedMember[] = [];
    for (const [i, p] of persons.entries()) {
      const chats = [...chatMembers].filter(([, idx]) => idx.includes(i)).map(([id]) => id);
      const m = await connectRecordedMember(base, p, `p${i}`, chats);
      realtimes.push(m.rt);
      members.push(m);
    }
    await waitFor('initial sync of every member', () => members.every((m) => m.chats.every((c) => m.synced.has(c))), 10_000);

    // ── load ──────────────────────────────────────────────────────────────────────────────────
    const streams: { name: string; member: RecordedMember; chatId: number }[] = [
      { name: 'p0A', member: members[0]!, chatId: chatA },
      { name: 'p1A', member: members[1]!, chatId: chatA },
      { name: 'p2A', member: members[2]!, chatId: chatA },
      { name: 'p2B', member: members[2]!, chatId: chatB },
      { name: 'p4B', member: members[4]!, chatId: chatB },
      { name: 'p5B', member: members[5]!, chatId: chatB },
    ];
    const records: SendRecord[] = [];
    const run = randomBytes(3).toString('hex');
    let killed = false;
    let restarted = false;
    let acked = 0;
    const issued = new Map<string, number>();

    function issue(s: (typeof streams)[number], phase: SendRecord['phase']): Promise<void> {
      const n = issued.get(s.name) ?? 0;
      issued.set(s.name, n + 1);
      const clientId = `dur-${run}-${s.name}-${n}`;
      const r: SendRecord = {
        stream: s.name,
        chatId: s.chatId,
        clientId,
        text: `${s.name} сообщение №${n} (${phase})`,
        phase,
        ack: null,
        error: null,
        ackedBeforeKill: false,
        inFlightAtKill: false,
        ackedIn: null,
      };
      records.push(r);
      return s.member.rt.send(s.chatId, { clientId, text: r.text }).then(
        (ack) => {
          r.ack = ack;
          r.ackedBeforeKill = !killed;
          r.ackedIn = restarted ? 'restarted' : killed ? 'first-after-kill' : 'first';
          acked++;
        },
        (err: unknown) => {
          r.error = err;
        },
      );
    }

    async function pump(s: (typeof streams)[number]): Promise<void> {
      const inFlight = new Set<Promise<void>>();
      while (!loadStopped) {
        while (inFlight.size < WINDOW && !loadStopped) {
          const p: Promise<void> = issue(s, 'load').finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
        await Promise.race(inFlight);
      }
    }

    const loadStart = Date.now();
    const pumps = streams.map((s) => pump(s));
    await waitFor('load', () => acked >= KILL_AFTER_ACKS || Date.now() - loadStart >= KILL_AFTER_MS, 10_000);

    // ── kill -9 in the middle of the load ────────────────────────────────────────────────────
    killed = true;
    loadStopped = true;
    const killAt = Date.now();
    for (const r of records) if (!r.ack && !r.error) r.inFlightAtKill = true;
    first.child.kill('SIGKILL');
    const firstExit = await Promise.race([first.exited, sleep(10_000).then(() => null)]);
    expect(firstExit, 'the server did not die within 10 s of SIGKILL').not.toBeNull();
    expect(firstExit!.signal).toBe('SIGKILL');
    const ackedBeforeKill = records.filter((r) => r.ackedBeforeKill);
    const inFlightAtKill = records.filter((r) => r.inFlightAtKill);
    expect(ackedBeforeKill.length, 'acks before the kill').toBeGreaterThan(50);
    expect(inFlightAtKill.length, 'sends in flight at the kill').toBeGreaterThan(0);

    // While the server is down, each stream writes a few more: they wait in the SDK.
    const offline = streams.flatMap((s) => Array.from({ length: OFFLINE_SENDS }, () => issue(s, 'offline')));

    // ── restart on the same database and port ────────────────────────────────────────────────
    const restartAt = Date.now();
    restarted = true;
    const second = startServerProcess(serverEnv);
    await waitHealthy(second, base);
    const healthyAt = Date.now();

    const settled = () => records.every((r) => r.ack !== null || r.error !== null);
    await waitFor('acknowledgement of every pending send', settled, 20_000, () => {
      const open = records.filter((r) => r.ack === null && r.error === null);
      return `: ${open.length} open, e.g. ${open
        .slice(0, 5)
        .map((r) => r.clientId)
        .join(', ')}\n${second.output()}`;
    });
    const allAckedAt = Date.now();
    await Promise.all([...pumps, ...offline]);
    const failed = records.filter((r) => r.error !== null);
    expect(
      failed.map(
        (r) => `${r.clientId}: ${r.error instanceof PartaError ? `${r.error.code} ${r.error.message}` : String(r.error)}`,
      ),
      'refused sends',
    ).toEqual([]);

    // Every member catches up to the chats' last versions.
    const tip = new Map<number, { lastSeq: number; lastVersion: number }>();
    for (const [chatId, idx] of chatMembers) {
      const s = await members[idx[0]!]!.client.chat(chatId);
      tip.set(chatId, { lastSeq: s.lastSeq, lastVersion: s.lastVersion });
    }
    const lagging = () =>
      members.flatMap((m) =>
        m.chats
          .filter(
            (c) => (m.rt.versions.get(c) ?? 0) < tip.get(c)!.lastVersion || (m.received.get(c)?.size ?? 0) < tip.get(c)!.lastSeq,
          )
          .map(
            (c) =>
              `${m.name}/chat ${c}: version ${m.rt.versions.get(c)} of ${tip.get(c)!.lastVersion}, ${m.received.get(c)?.size ?? 0} of ${tip.get(c)!.lastSeq} messages`,
          ),
      );
    await waitFor(
      'catch-up of every member',
      () => lagging().length === 0,
      20_000,
      () => `:\n${lagging().join('\n')}`,
    );
    const caughtUpAt = Date.now();

    // ── the stored logs ──────────────────────────────────────────────────────────────────────
    const stored = new Map<number, Message[]>();
    for (const [chatId, idx] of chatMembers) {
      const reader = members[idx[0]!]!.client;
      const all: Message[] = [];
      let after = 0;
      for (;;) {
        const page = await reader.messages(chatId, { after, limit: 500 });
        all.push(...page.messages);
        if (!page.hasMore || page.messages.length === 0) break;
        after = page.messages.at(-1)!.seq;
      }
      stored.set(chatId, all);
    }

    // (2) Each chat's log is 1..N, no gaps, no repeats; no client id twice; N is the chat's lastSeq.
    for (const [chatId, log] of stored) {
      expect(
        log.map((m) => m.seq),
        `seqs of chat ${chatId}`,
      ).toEqual(Array.from({ length: log.length }, (_, i) => i + 1));
      expect(log.length, `chat ${chatId}: stored messages vs lastSeq`).toBe(tip.get(chatId)!.lastSeq);
      const ids = log.map((m) => m.clientId);
      expect(
        ids.filter((id, i) => ids.indexOf(id) !== i),
        `repeated client ids in chat ${chatId}`,
      ).toEqual([]);
    }
    const byClientId = new Map<string, Message[]>();
    for (const log of stored.values())
      for (const m of log) byClientId.set(m.clientId, [...(byClientId.get(m.clientId) ?? []), m]);

    // (1) Every message acknowledged before the kill is stored with the seq and text of its ack.
    const lostBeforeKill = ackedBeforeKill.filter((r) => {
      const m = byClientId.get(r.clientId)?.[0];
      return !m || m.chatId !== r.chatId || m.seq !== r.ack!.seq || m.text !== r.text || m.id !== r.ack!.id;
    });
    expect(
      lostBeforeKill.map((r) => `${r.clientId} acked as ${r.chatId}/${r.ack!.seq}`),
      'acknowledged before the kill, then missing or changed',
    ).toEqual([]);
    // …and so is every later ack (re-sends after the restart, acks read after the kill).
    const ackMismatch = records.filter((r) => {
      const m = byClientId.get(r.clientId);
      return m?.length !== 1 || m[0]!.seq !== r.ack!.seq || m[0]!.id !== r.ack!.id || m[0]!.text !== r.text;
    });
    expect(
      ackMismatch.map(
        (r) =>
          `${r.clientId}: ack ${r.ack!.chatId}/${r.ack!.seq}, stored ${JSON.stringify(byClientId.get(r.clientId)?.map((m) => m.seq))}`,
      ),
      'acks that do not match the stored message',
    ).toEqual([]);

    // (4) Every send in flight at the kill (and every one written while the server was down) is stored exactly once.
    for (const r of [...inFlightAtKill, ...records.filter((x) => x.phase === 'offline')]) {
      expect(byClientId.get(r.clientId)?.length ?? 0, `${r.clientId} stored`).toBe(1);
    }
    // Nothing else was stored: the logs hold exactly the sends of this test.
    const totalStored = [...stored.values()].reduce((n, log) => n + log.length, 0);
    expect(totalStored, 'stored messages vs sends').toBe(records.length);

    // (3) Every member received every message of its chats exactly once (its own included), as stored.
    const deliveryProblems: string[] = [];
    for (const m of members) {
      for (const [chatId, bySeq] of m.received) {
        if (!m.chats.includes(chatId)) deliveryProblems.push(`${m.name} got messages of chat ${chatId}, not its chat`);
        for (const seq of bySeq.keys()) {
          if (seq < 1 || seq > stored.get(chatId)!.length) deliveryProblems.push(`${m.name} got ${chatId}/${seq}, never stored`);
        }
      }
      for (const chatId of m.chats) {
        const bySeq = m.received.get(chatId) ?? new Map<number, Message[]>();
        for (const s of stored.get(chatId)!) {
          const got = bySeq.get(s.seq) ?? [];
          if (got.length !== 1) deliveryProblems.push(`${m.name} got ${chatId}/${s.seq} ${got.length} times`);
          else if (got[0]!.id !== s.id || got[0]!.clientId !== s.clientId || got[0]!.text !== s.text)
            deliveryProblems.push(`${m.name} got ${chatId}/${s.seq} as ${JSON.stringify(got[0])}, stored ${JSON.stringify(s)}`);
        }
      }
    }
    expect(deliveryProblems.slice(0, 20), `${deliveryProblems.length} delivery problems`).toEqual([]);

    // Every member lost its socket and came back; the restarted server reported no error.
    expect(
      members.flatMap((m) => m.serverErrors.map((e) => `${m.name}: ${e.code} ${e.message}`)),
      'session.error frames',
    ).toEqual([]);
    for (const m of members) expect(m.welcomes, `${m.name} welcomes`).toBeGreaterThanOrEqual(2);
    const errorLogs = second
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((l) => l.level >= 50);
    expect(errorLogs, 'error logs of the restarted server').toEqual([]);

    // ── the report ───────────────────────────────────────────────────────────────────────────
    const wireDuplicates = members.reduce((n, m) => n + [...m.wire.values()].filter((c) => c > 1).length, 0);
    const reordered = members.reduce(
      (n, m) => n + [...m.order.values()].reduce((k, seqs) => k + seqs.filter((s, i) => i > 0 && s < seqs[i - 1]!).length, 0),
      0,
    );
    const inFlightOutcome = (f: (r: SendRecord) => boolean) => inFlightAtKill.filter(f).length;
    console.log(
      JSON.stringify({
        dialect: database.options.dialect,
        setupMs: tStarted - t0,
        loadMs: killAt - loadStart,
        sends: records.length,
        ackedBeforeKill: ackedBeforeKill.length,
        inFlightAtKill: inFlightAtKill.length,
        inFlight: {
          ackReadAfterKill: inFlightOutcome((r) => r.ackedIn === 'first-after-kill'),
          committedBeforeKillAckLost: inFlightOutcome((r) => r.ackedIn === 'restarted' && r.ack!.duplicate),
          committedAfterRestart: inFlightOutcome((r) => r.ackedIn === 'restarted' && !r.ack!.duplicate),
        },
        offlineSends: records.filter((r) => r.phase === 'offline').length,
        stored: Object.fromEntries([...stored].map(([id, log]) => [`chat${id}`, log.length])),
        killToHealthyMs: healthyAt - killAt,
        restartToHealthyMs: healthyAt - restartAt,
        healthyToAllAckedMs: allAckedAt - healthyAt,
        healthyToCaughtUpMs: caughtUpAt - healthyAt,
        wireDuplicateFrames: wireDuplicates,
        reorderedEmissions: reordered,
        disconnects: members.map((m) => m.disconnects),
      }),
    );

    // On the wire too: after the reconnect nothing arrived twice and nothing overtook what was missed.
    expect(wireDuplicates, 'message frames received twice').toBe(0);
    expect(reordered, 'messages emitted out of order').toBe(0);

    for (const rt of realtimes) rt.close();
    second.child.kill('SIGTERM');
    const exit = await Promise.race([second.exited, sleep(10_000).then(() => null)]);
    expect(exit, 'the restarted server did not stop within 10 s of SIGTERM').toEqual({ code: 0, signal: null });
  }, 60_000);
});
