import { WS_CLOSE } from '@parta/protocol';
import type { Outbox, OutFrame } from '../../domain/outbox.js';
import type { Metrics } from '../metrics.js';
import type { Connection } from './connection.js';

/** A socket with more than this waiting to be written reads too slowly: it is closed and must resync. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** Encodes a server text frame once (unmasked, FIN, opcode 1), to be written to many sockets. */
export function encodeTextFrame(json: string): Buffer {
  // Encoded straight into the frame: one buffer, no intermediate copy.
  const n = Buffer.byteLength(json);
  const headerLength = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + n);
  frame[0] = 0x81;
  if (n < 126) {
    frame[1] = n;
  } else if (n < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(n, 6);
  }
  frame.write(json, headerLength, 'utf8');
  return frame;
}

/**
 * Writing frames to many sockets: each frame encoded once, sockets corked until the batch is
 * flushed (one syscall per socket), frames of a chat being caught up held back, and sockets that
 * fall too far behind closed. Also the domain's `Outbox`.
 */
export function createFanout(deps: { metrics: Metrics; byAccount: ReadonlyMap<number, ReadonlySet<Connection>> }) {
  const { metrics, byAccount } = deps;
  const corked: Connection[] = [];

  /** Writes a frame to one socket, holding it back while its chat is being caught up. */
  function writeFrame(conn: Connection, frame: OutFrame): void {
    if (frame.chatId !== 0) {
      if (conn.syncing?.has(frame.chatId)) {
        conn.syncing.get(frame.chatId)!.push(frame);
        return;
      }
      if (conn.caughtUp !== null && frame.version <= (conn.caughtUp.get(frame.chatId) ?? 0)) return;
    }
    frame.encoded ??= encodeTextFrame(frame.json);
    rawWrite(conn, frame.encoded as Buffer);
  }

  /** Writes bytes to a socket, corked until the end of this batch; closes sockets that fall too far behind. */
  function rawWrite(conn: Connection, bytes: Buffer): void {
    const sock = conn.socket;
    if (conn.overflowed || sock.destroyed || conn.ws.readyState !== conn.ws.OPEN) return;
    if (!conn.corked) {
      sock.cork();
      conn.corked = true;
      corked.push(conn);
    }
    sock.write(bytes);
    if (sock.writableLength > MAX_BUFFERED_BYTES) {
      conn.overflowed = true;
      metrics.wsFrames.inc({ type: 'overflow' });
      // The client reconnects and syncs from its last version: nothing is lost, nobody else waits.
      setImmediate(() => {
        conn.ws.close(WS_CLOSE.tooSlow, 'too slow; reconnect and sync');
        setTimeout(() => conn.ws.terminate(), 1_000).unref();
      });
    }
  }

  /** Uncorks every socket written since the last flush. */
  function flushCorked(): void {
    for (const conn of corked) {
      conn.corked = false;
      if (!conn.socket.destroyed) conn.socket.uncork();
    }
    corked.length = 0;
  }

  /** The gateway as the domain's outbox. */
  const outbox: Outbox = {
    deliver(accountIds, frame) {
      for (const a of accountIds) {
        const set = byAccount.get(a);
        if (set) for (const conn of set) writeFrame(conn, frame);
      }
    },
    flush: flushCorked,
    isOnline: (accountId) => byAccount.has(accountId),
  };

  return { writeFrame, rawWrite, flushCorked, outbox };
}

/** Frame writing for the gateway. */
export type Fanout = ReturnType<typeof createFanout>;
