import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '@parta/testkit';
import { HealthResponse } from '@parta/protocol';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ PARTA_METRICS_PORT: '0' });
});
afterAll(async () => {
  await server?.close();
});

describe('health and metrics', () => {
  it('reports ok while the database answers', async () => {
    expect(await server.client().health()).toEqual({ status: 'ok' });
  });

  it('exposes Prometheus metrics that count requests and sockets', async () => {
    await server.client().health();
    const c = await server.login((await server.build.person()).login!);
    const rt = c.connect({ reconnect: false });
    await rt.once('welcome');
    const text = await server.metrics();
    expect(text).toMatch(/parta_http_requests_total\{method="GET",route="\/api\/v1\/health",status="200"\} \d+/);
    expect(text).toMatch(/parta_ws_connections\{state="authenticated"\} 1/);
    expect(text).toContain('parta_process_resident_memory_bytes');
    rt.close();
  });

  it('answers pings on the WebSocket', async () => {
    const c = await server.login((await server.build.person()).login!);
    const rt = c.connect({ reconnect: false });
    await rt.once('welcome');
    const t = await rt.ping();
    expect(Math.abs(t - Date.now())).toBeLessThan(5_000);
    rt.close();
  });
});

describe('heartbeats', () => {
  it('closes a socket whose client stopped answering pings, and keeps one that answers', async () => {
    const s = await startTestServer({ PARTA_WS_HEARTBEAT_SEC: '1', PARTA_METRICS_PORT: '0' });
    try {
      const open = async () => {
        const c = await s.login((await s.build.person()).login!);
        const ws = new WebSocket(`${s.url.replace('http', 'ws')}/api/v1/ws`);
        await new Promise((r) => ws.once('open', r));
        ws.send(JSON.stringify({ type: 'session.hello', token: c.token }));
        await new Promise((r) => ws.once('message', r));
        return ws;
      };
      const alive = await open();
      const dead = await open();
      // A client that hangs: it reads nothing, so it never answers a ping.
      (dead as unknown as { _socket: { pause(): void } })._socket.pause();
      const authenticated = async () =>
        Number(/parta_ws_connections\{state="authenticated"\} (\d+)/.exec(await s.metrics())?.[1]);
      expect(await authenticated()).toBe(2);
      const deadline = Date.now() + 10_000;
      while ((await authenticated()) !== 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(await authenticated()).toBe(1);
      expect(alive.readyState).toBe(WebSocket.OPEN);
      alive.close();
      dead.terminate();
    } finally {
      await s.close();
    }
  });
});

describe('when the database stops answering', () => {
  it('health answers 503 unavailable', async () => {
    const s = await startTestServer();
    try {
      await s.store.close();
      const res = await fetch(`${s.url}/api/v1/health`);
      expect(res.status).toBe(503);
      expect(HealthResponse.parse(await res.json())).toEqual({ status: 'unavailable' });
    } finally {
      await s.parta.close();
      await s.database.drop();
    }
  });
});

describe('graceful shutdown', () => {
  it('closes open sockets with 1001 and stops accepting', async () => {
    const s = await startTestServer();
    const c = await s.login((await s.build.person()).login!);
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/api/v1/ws`);
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'session.hello', token: c.token }));
    await new Promise((r) => ws.once('message', r));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    await s.parta.close();
    expect(await closed).toBe(1001);
    await expect(fetch(`${s.url}/api/v1/health`)).rejects.toThrow();
    await s.store.close();
    await s.database.drop();
  });
});
