import pino, { type Logger } from 'pino';
import type { ServerEnv } from '@parta/protocol';

/**
 * The process logger. JSON for machines, pretty on a terminal; tokens and authorization headers
 * are redacted wherever they appear.
 */
export function createLogger(env: Pick<ServerEnv, 'LOG_LEVEL' | 'LOG_FORMAT'>): Logger {
  const pretty = env.LOG_FORMAT ? env.LOG_FORMAT === 'pretty' : process.stdout.isTTY;
  return pino({
    level: env.LOG_LEVEL,
    redact: { paths: ['token', '*.token', 'req.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } }
      : {}),
  });
}
