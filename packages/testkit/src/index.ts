/** Test helpers: real servers on random ports, fresh databases, data builders. */
export { startTestServer, type TestServer } from './server.js';
export { createTestDatabase, testDialect, adminPostgresUrl, type TestDatabase } from './database.js';
export { builders, currentAcademicYear, type Builders } from './builders.js';
