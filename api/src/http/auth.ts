// Bearer-token auth for /api/v1 (and optionally /health and /metrics). Tokens are compared as
// SHA-256 digests with timingSafeEqual: equal lengths, and no early exit that leaks a prefix.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ApiError } from './errors';

const digest = (text: string) => createHash('sha256').update(text).digest();

export function bearerAuth(tokens: string[]): RequestHandler {
  const digests = tokens.map(digest);
  return (req, _res, next) => {
    const header = req.headers.authorization;
    const match = header ? /^Bearer[ ]+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      next(new ApiError(401, 'unauthorized', 'missing bearer token: send "Authorization: Bearer <token>"'));
      return;
    }
    const given = digest(match[1] as string);
    // Compare with every token, whatever matches first, so timing says nothing about which.
    let ok = false;
    for (const d of digests) ok = timingSafeEqual(d, given) || ok;
    next(ok ? undefined : new ApiError(403, 'forbidden', 'the bearer token is not valid'));
  };
}
