import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The server's Prometheus metrics, one registry per server instance. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'parta_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'parta_http_requests_total',
      help: 'HTTP requests answered, by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'parta_http_request_duration_seconds',
      help: 'Time to answer an HTTP request',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    wsConnections: new Gauge({
      name: 'parta_ws_connections',
      help: 'Open WebSocket connections',
      labelNames: ['state'] as const,
      registers: [registry],
    }),
    wsFrames: new Counter({
      name: 'parta_ws_frames_received_total',
      help: 'WebSocket frames received, by type (or error)',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
  };
}

/** The server's Prometheus metrics. */
export type Metrics = ReturnType<typeof createMetrics>;
