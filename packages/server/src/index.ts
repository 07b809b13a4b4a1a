/** Parta's server: build it with `createApp` over a store from `openStore`. */
export { createApp, type AppDeps, type Parta } from './app.js';
export { openStore, type Store, type StoreOptions } from './storage/store.js';
export { parseEnv, loadEnv, storeOptions } from './config.js';
export { createLogger } from './logger.js';
export { seedDemo, type DemoSummary } from './seed/demo.js';
export { seedSynthetic } from './seed/synthetic.js';
export { hashToken } from './domain/auth.service.js';
export { academicYearOf } from './domain/access.js';
