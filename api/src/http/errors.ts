// One error class for everything the API answers with a non-2xx status, and the one middleware
// that turns any thrown error into `{ error: { code, message, details? } }`.
import type { ErrorRequestHandler } from 'express';
import { isConnectionError, type Logger } from '@dockpulse/common';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toJSON(): { error: { code: string; message: string; details?: unknown } } {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }
}

export const badRequest = (parameter: string, message: string): ApiError =>
  new ApiError(400, 'invalid_parameter', `invalid parameter "${parameter}": ${message}`, [{ parameter, message }]);

export const notFound = (message: string): ApiError => new ApiError(404, 'not_found', message);

/** SQLSTATE 57014: the statement ran past statement_timeout (QUERY_TIMEOUT). */
export function isQueryTimeout(error: unknown): boolean {
  return (error as { code?: string } | undefined)?.code === '57014';
}

/** Maps database failures to what a client can act on: 504 for a slow query, 503 for an absent database. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (isQueryTimeout(error)) return new ApiError(504, 'query_timeout', 'the database query took longer than QUERY_TIMEOUT');
  if (isConnectionError(error)) return new ApiError(503, 'database_unavailable', 'the database is not reachable; try again shortly');
  const e = error as { type?: string; status?: number };
  // body-parser and friends throw errors that carry their own 4xx status.
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return new ApiError(e.status, 'bad_request', (error as Error).message);
  }
  return new ApiError(500, 'internal_error', 'internal error');
}

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const apiError = toApiError(error);
    // Client mistakes are the client's business; only server-side failures page someone.
    if (apiError.status >= 500) {
      logger.error({ err: error, reqId: req.id, method: req.method, path: req.path, status: apiError.status }, apiError.message);
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(apiError.status).json(apiError.toJSON());
  };
}
