/** Small HTTP helpers of the dashboard: answers with the security headers, JSON bodies, refusals. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BadRequest } from './params.js';
import { SECURITY_HEADERS } from './security.js';

/** Largest accepted request body. */
export const MAX_BODY = 256 * 1024;

/** A refusal with an HTTP status and a JSON error code. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Answers with the security headers and `Cache-Control: no-store`. */
export const send = (res: ServerResponse, status: number, contentType: string, body: string | Buffer, extra: Record<string, string> = {}): void => {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': contentType, 'Cache-Control': 'no-store', ...extra });
  res.end(body);
};

/** Answers JSON (dates as ISO strings). */
export const sendJson = (res: ServerResponse, status: number, value: unknown, extra: Record<string, string> = {}): void =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value, (_k, v: unknown) => (v instanceof Date ? v.toISOString() : v)), extra);

/**
 * Reads a JSON body of at most {@link MAX_BODY} bytes sent as `application/json`. A body a host
 * framework already parsed (Express's `express.json()` sets `req.body`) is taken as it is.
 */
export const readJsonBody = async (req: IncomingMessage): Promise<unknown> => {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new HttpError(415, 'unsupported_media_type', 'send the body as application/json');
  const parsed = (req as IncomingMessage & { body?: unknown }).body;
  if (parsed !== undefined && req.readableEnded) return parsed;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, 'too_large', `the body is larger than ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequest('the body is not valid JSON');
  }
};
