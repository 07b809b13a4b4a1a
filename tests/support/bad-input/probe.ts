import { expect } from 'vitest';
import WebSocket from 'ws';
import { ServerFrame } from '@parta/protocol';
import { server } from './state.js';

/* The WebSocket probe of tests/api/bad-input.test.ts. */

/** A WebSocket to the gateway that collects every frame and its close. */
export class Probe {
  readonly ws: WebSocket;
  readonly frames: ServerFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  constructor(path = '/api/v1/ws') {
    this.ws = new WebSocket(`${server.url.replace('http', 'ws')}${path}`);
    this.ws.on('message', (data: Buffer) => {
      this.frames.push(ServerFrame.parse(JSON.parse(data.toString('utf8'))));
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    this.ws.on('error', () => {
      /* the close event reports it */
    });
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  /** The next frame from the server, within 5 s. */
  async next(): Promise<ServerFrame> {
    const seen = this.frames.length;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        new Promise<void>((resolve) => this.waiters.push(resolve)),
        this.closed.then(({ code }) => {
          throw new Error(`socket closed with ${code} while a frame was awaited`);
        }),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('no frame within 5 s')), 5_000);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
    return this.frames[seen]!;
  }

  /** Sends `data` and returns the error frame it earns. */
  async error(data: string): Promise<Extract<ServerFrame, { type: 'session.error' }>> {
    const next = this.next();
    this.ws.send(data);
    const frame = await next;
    if (frame.type !== 'session.error') throw new Error(`expected session.error, got ${JSON.stringify(frame)}`);
    return frame;
  }

  async hello(token: string): Promise<ServerFrame> {
    const next = this.next();
    this.ws.send(JSON.stringify({ type: 'session.hello', token }));
    return next;
  }

  /** The first frame of a type from index `from` on, waiting for it (5 s per frame). */
  async until<T extends ServerFrame['type']>(type: T, from = 0): Promise<Extract<ServerFrame, { type: T }>> {
    for (;;) {
      const found = this.frames.slice(from).find((f) => f.type === type);
      if (found) return found as Extract<ServerFrame, { type: T }>;
      await this.next();
    }
  }

  /** Round trip: the socket is open and the server answers on it. */
  async ping(nonce: string): Promise<void> {
    const from = this.frames.length;
    this.ws.send(JSON.stringify({ type: 'session.ping', nonce }));
    expect(await this.until('session.pong', from)).toMatchObject({ nonce });
  }
}
