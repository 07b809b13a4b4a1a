import WebSocket from 'ws';
import { createApp, createLogger, openStore, parseEnv, type Parta, type Store } from '@parta/server';
import { PartaClient, type WebSocketCtor } from '@parta/sdk';
import { builders, type Builders } from './builders.js';
import { createTestDatabase, type TestDatabase } from './database.js';

/** An in-process server on a random port over a fresh database. */
export interface TestServer {
  url: string;
  store: Store;
  parta: Parta;
  build: Builders;
  database: TestDatabase;
  /** A client with no token. */
  client(): PartaClient;
  /** A client signed in through the development login. */
  login(login: string): Promise<PartaClient>;
  /**
   * The Prometheus text: from the metrics listener when started with `PARTA_METRICS_PORT`, else from
   * the main listener's `/metrics` with `PARTA_METRICS_TOKEN`.
   */
  metrics(): Promise<string>;
  close(): Promise<void>;
}

/** Starts a real server (HTTP + WebSocket) on 127.0.0.1 and a random port. */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const database = await createTestDatabase();
  const parsed = parseEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    PARTA_DEV_LOGIN: '1',
    LOG_LEVEL: process.env.PARTA_TEST_LOG_LEVEL ?? 'silent',
    ...database.env,
    ...env,
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const store = openStore(database.options);
  await store.migrate();
  const parta = await createApp({ env: parsed.env, store, log: createLogger(parsed.env) });
  const url = (await parta.listen()).replace('[::1]', '127.0.0.1');
  const client = () => new PartaClient({ baseUrl: url, WebSocket: WebSocket as unknown as WebSocketCtor });
  return {
    url,
    store,
    parta,
    build: builders(store),
    database,
    client,
    async login(login) {
      const c = client();
      await c.devLogin({ login });
      return c;
    },
    async metrics() {
      const token = parsed.env.PARTA_METRICS_TOKEN;
      const res = await fetch(`${parta.metricsUrl() ?? url}/metrics`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      if (!res.ok)
        throw new Error(`GET /metrics answered ${res.status}: start the server with PARTA_METRICS_PORT or PARTA_METRICS_TOKEN`);
      return res.text();
    },
    async close() {
      await parta.close();
      await store.close();
      await database.drop();
    },
  };
}
