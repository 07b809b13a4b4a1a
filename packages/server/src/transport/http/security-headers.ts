import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** What the security headers depend on, from the environment. */
export interface SecurityHeaderOptions {
  /** `PARTA_PUBLIC_URL`: HSTS is sent only when it is `https://`. */
  publicUrl: string | undefined;
  /** `PARTA_HSTS_MAX_AGE_SEC`. */
  hstsMaxAgeSec: number;
}

/**
 * The Content-Security-Policy without its `connect-src`. The web client is one script file and one
 * stylesheet from its own origin (Vite's build emits no inline script or style), its icon a file:
 * nothing inline, nothing from elsewhere, no plugins, no framing.
 */
const CSP_BASE = [
  "default-src 'self'",
  "script-src 'self'",
  // React's `style={…}` props go through the CSSOM, which CSP does not govern; `<style>` and `style=""` would be refused.
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Browser features the client does not use, switched off for it and anything it might embed. Calls
 * and voice messages will need `camera=(self)`, `microphone=(self)` (and `display-capture=(self)` for
 * screen sharing) when they land; until then nothing may ask for them.
 */
const PERMISSIONS_POLICY = [
  'camera=()',
  'microphone=()',
  'display-capture=()',
  'geolocation=()',
  'payment=()',
  'usb=()',
  'serial=()',
  'hid=()',
  'midi=()',
  'accelerometer=()',
  'gyroscope=()',
  'magnetometer=()',
].join(', ');

/** A Host header worth naming in the policy: a DNS name or an IP literal with an optional port, nothing that could end a directive. */
const HOST = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The Content-Security-Policy for a request to `host`. `connect-src 'self'` covers the API, and in
 * CSP Level 3 browsers the WebSocket on the same host too; older ones (Safari before 15.4) need
 * `ws:`/`wss:` of the host spelled out, so the host the browser asked for is named when it is a plain host.
 */
export function contentSecurityPolicy(host: string | undefined): string {
  const socket = host && HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  return `${CSP_BASE}; connect-src 'self'${socket}`;
}

/** The headers every answer carries but the Content-Security-Policy, which depends on the request's host. */
export function staticSecurityHeaders(options: SecurityHeaderOptions): [string, string][] {
  const headers: [string, string][] = [
    ['x-content-type-options', 'nosniff'],
    // Chat addresses (`/#/chat/12`) and the instance itself are no business of the sites that links lead to.
    ['referrer-policy', 'no-referrer'],
    ['permissions-policy', PERMISSIONS_POLICY],
    // The legacy companion of `frame-ancestors 'none'`, for browsers that predate it.
    ['x-frame-options', 'DENY'],
    // A window this page opens cannot reach back into it, nor can an opener reach into ours.
    ['cross-origin-opener-policy', 'same-origin'],
    // Other sites cannot load our answers as images or scripts (no-cors); CORS requests are unaffected.
    ['cross-origin-resource-policy', 'same-origin'],
  ];
  // Browsers ignore HSTS received over plain HTTP (RFC 6797 §8.1), so sending it on every answer is
  // right exactly when the public address is HTTPS, whatever proxy terminates TLS in front.
  if (options.publicUrl?.startsWith('https://')) {
    headers.push(['strict-transport-security', `max-age=${options.hstsMaxAgeSec}`]);
  }
  return headers;
}

/** Sets the security headers on a response that has not been written yet. */
export function setSecurityHeaders(headers: readonly [string, string][], req: IncomingMessage, res: ServerResponse): void {
  for (const [name, value] of headers) res.setHeader(name, value);
  res.setHeader('content-security-policy', contentSecurityPolicy(req.headers.host));
}

/**
 * Puts the security headers (from `staticSecurityHeaders`, and the policy) on every answer of
 * `server`, before Fastify sees the request: its routes, error and not-found answers, the web
 * client's files and even the 503 that Fastify writes by itself while closing. A route may still
 * replace one (its own header wins over these).
 */
export function installSecurityHeaders(server: Server, headers: readonly [string, string][]): void {
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => setSecurityHeaders(headers, req, res));
}
