/** Parta's typed client for HTTP and WebSocket; runs in Node and in browsers. */
export { PartaClient, type ClientOptions } from './client.js';
export { PartaError } from './errors.js';
export { Realtime, newClientId, type RealtimeEvents, type WebSocketLike, type WebSocketCtor } from './realtime.js';
export { Emitter } from './emitter.js';
