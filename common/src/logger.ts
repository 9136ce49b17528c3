import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs on stdout. Connection strings and tokens are redacted wherever they appear
 * under the usual keys, so a logged config or error never leaks a secret.
 */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['password', '*.password', 'databaseUrl', '*.databaseUrl', 'DATABASE_URL', '*.DATABASE_URL',
        'token', '*.token', 'authorization', '*.authorization', 'req.headers.authorization', 'apiTokens', '*.apiTokens'],
      censor: '[redacted]',
    },
  });
}

/** Hides the password of a postgres:// or redis:// URL for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}
