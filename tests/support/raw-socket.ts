/**
 * A WebSocket client written on a bare TCP socket, for tests of what a hostile client can do: it
 * never answers a close frame (so the server cannot count on the client to end the connection), it
 * can send as fast as TCP takes the bytes, and it records every frame the server sends, checked
 * against the protocol. The SDK and the `ws` client obey a close; this one does not.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { API_PREFIX, ServerFrame } from '@parta/protocol';

type Frame<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>;

const OP_TEXT = 0x1;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/** A masked client frame (RFC 6455 §5.3): clients must mask, servers refuse frames that are not. */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const header = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + 4 + n);
  frame[0] = 0x80 | opcode;
  if (n < 126) frame[1] = 0x80 | n;
  else if (n < 65536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(n, 6);
  }
  const mask = randomBytes(4);
  mask.copy(frame, header);
  for (let i = 0; i < n; i++) frame[header + 4 + i] = payload[i]! ^ mask[i & 3]!;
  return frame;
}

/** A raw client socket to `/api/v1/ws`. */
export class RawSocket {
  /** Every text frame the server sent, parsed and validated, in arrival order. */
  readonly frames: ServerFrame[] = [];
  /** Close frames the server sent (never answered). */
  readonly closeFrames: { code: number; reason: string }[] = [];
  /** Resolves when the TCP connection is gone (the server tore it down, or `destroy`). */
  readonly closed: Promise<void>;
  /** Frames written so far. */
  sent = 0;
  private readonly sock: net.Socket;
  private buffered: Buffer = Buffer.alloc(0);
  private upgraded = false;
  private isClosed = false;

  private constructor(sock: net.Socket) {
    this.sock = sock;
    this.closed = new Promise((resolve) =>
      sock.once('close', () => {
        this.isClosed = true;
        resolve();
      }),
    );
    // A reset from the server is one way of being closed; the error itself is of no interest.
    sock.on('error', () => undefined);
  }

  /** Opens a socket to the server at `baseUrl` and completes the upgrade. */
  static async open(baseUrl: string): Promise<RawSocket> {
    const url = new URL(baseUrl);
    const sock = net.connect({ host: url.hostname, port: Number(url.port), noDelay: true });
    const raw = new RawSocket(sock);
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.on('data', (chunk: Buffer) => {
        raw.onData(chunk);
        if (raw.upgraded) resolve();
      });
      sock.once('close', () => reject(new Error('the server closed the connection during the upgrade')));
      sock.once('connect', () => {
        sock.write(
          `GET ${API_PREFIX}/ws HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
    });
    return raw;
  }

  /** Opens a socket and authenticates it with `token`; resolves at `session.welcome`. */
  static async signedIn(baseUrl: string, token: string): Promise<RawSocket> {
    const raw = await RawSocket.open(baseUrl);
    raw.send({ type: 'session.hello', token });
    await raw.until('session.welcome');
    return raw;
  }

  /** True once the TCP connection is gone. */
  get isGone(): boolean {
    return this.isClosed;
  }

  /** Sends a text frame: an object is sent as JSON. Writes nothing once the connection is gone. */
  send(frame: unknown): void {
    if (this.isClosed || this.sock.destroyed) return;
    const text = typeof frame === 'string' ? frame : JSON.stringify(frame);
    this.sock.write(clientFrame(OP_TEXT, Buffer.from(text)));
    this.sent++;
  }

  /** Frames of one type from index `from` on. */
  of<T extends ServerFrame['type']>(type: T, from = 0): Frame<T>[] {
    return this.frames.slice(from).filter((f): f is Frame<T> => f.type === type);
  }

  /** Waits for the first frame of a type from index `from` on that satisfies `pred` (the test's timeout bounds the wait). */
  async until<T extends ServerFrame['type']>(type: T, pred: (f: Frame<T>) => boolean = () => true, from = 0): Promise<Frame<T>> {
    for (;;) {
      const found = this.of(type, from).find(pred);
      if (found) return found;
      if (this.isClosed) throw new Error(`the connection closed before a ${type} frame arrived`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Resolves when what was written has gone out to the kernel (at once when nothing waits), or the connection is gone. */
  drained(): Promise<void> {
    if (this.isClosed || this.sock.writableLength === 0) return new Promise((r) => setImmediate(r));
    return new Promise((resolve) => {
      const done = () => {
        this.sock.off('drain', done);
        this.sock.off('close', done);
        resolve();
      };
      this.sock.once('drain', done);
      this.sock.once('close', done);
    });
  }

  /** Ends the TCP connection at once. */
  destroy(): void {
    this.sock.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    if (!this.upgraded) {
      const end = this.buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.buffered.subarray(0, end).toString('latin1');
      if (!head.startsWith('HTTP/1.1 101')) throw new Error(`upgrade refused: ${head.split('\r\n', 1)[0]}`);
      this.upgraded = true;
      this.buffered = this.buffered.subarray(end + 4);
    }
    for (;;) {
      const buf = this.buffered;
      if (buf.length < 2) return;
      let len = buf[1]! & 0x7f;
      let header = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        header = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = buf.readUInt32BE(6);
        header = 10;
      }
      if (buf.length < header + len) return;
      const opcode = buf[0]! & 0x0f;
      const payload = buf.subarray(header, header + len);
      this.buffered = buf.subarray(header + len);
      if (opcode === OP_TEXT) {
        this.frames.push(ServerFrame.parse(JSON.parse(payload.toString('utf8'))));
      } else if (opcode === OP_CLOSE) {
        // Recorded, and deliberately not answered: this client ignores the close.
        this.closeFrames.push({
          code: payload.length >= 2 ? payload.readUInt16BE(0) : 1005,
          reason: payload.subarray(2).toString('utf8'),
        });
      } else if (opcode === OP_PING && !this.sock.destroyed) {
        this.sock.write(clientFrame(OP_PONG, Buffer.from(payload)));
      }
    }
  }
}
