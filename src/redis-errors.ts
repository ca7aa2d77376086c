/**
 * Redis and node-redis errors → streamq errors, at the edge, so callers see one hierarchy with
 * codes, and no message ever carries credentials.
 */
import { AuthenticationError, ConnectionError, RedisCommandError, StreamqError, WrongTypeError } from './errors.js';

const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** Strips anything that looks like a password from a message (URLs with credentials, AUTH arguments). */
export function redact(message: string): string {
  return message.replace(/([a-z]+:\/\/[^:@/\s]*:)[^@\s]*@/gi, '$1***@').replace(/(\bAUTH\s+)\S+(\s+\S+)?/gi, '$1***');
}

/** The first word of a Redis error reply, e.g. `WRONGTYPE`. */
export function redisErrorCode(message: string): string {
  const match = /^([A-Z][A-Z_-]+)\b/.exec(message);
  return match ? (match[1] as string) : 'ERR';
}

/** Whether `error` is a Redis error reply whose code is `code` (e.g. `NOGROUP`, `BUSYGROUP`). */
export function isRedisError(error: unknown, code: string): boolean {
  if (error instanceof RedisCommandError) return error.redisCode === code;
  return error instanceof Error && error.message.startsWith(`${code} `);
}

/** Whether `error` is Redis refusing the credentials (or asking for some). */
export function isAuthFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = redisErrorCode(error.message);
  return code === 'WRONGPASS' || code === 'NOAUTH' || /invalid password|auth.*(without|no password)/i.test(error.message);
}

/** Turns any error from node-redis into a {@link StreamqError} (an existing one passes through). */
export function toStreamqError(error: unknown, command: string, endpoint: string): StreamqError {
  if (error instanceof StreamqError) return error;
  // node-redis wraps the last connect failure when the reconnect strategy gives up: map the failure itself.
  const original = (error as { originalError?: unknown } | null)?.originalError;
  if (error instanceof Error && error.constructor.name === 'ReconnectStrategyError' && original instanceof Error) {
    return toStreamqError(original, command, endpoint);
  }
  const err = error instanceof Error ? error : new Error(String(error));
  const message = redact(err.message);
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== undefined && SOCKET_ERRORS.has(code)) {
    const hint = code === 'ECONNREFUSED' ? ': nothing listens there (is redis-server running, on that port?)' : '';
    return new ConnectionError(`Cannot reach Redis at ${endpoint} (${code})${hint}`, { cause: err });
  }
  const name = err.constructor?.name ?? '';
  if (/Socket|ClientClosed|ClientOffline|Connection|Disconnect|Timeout/i.test(name)) {
    return new ConnectionError(`Connection to Redis at ${endpoint} failed during ${command}: ${message}`, { cause: err });
  }
  const redisCode = redisErrorCode(message);
  if (isAuthFailure(err)) {
    return new AuthenticationError(`Redis at ${endpoint} refused authentication (${redisCode}): check the username and password`, { cause: err });
  }
  if (redisCode === 'WRONGTYPE') {
    return new WrongTypeError(`${command}: a key used by streamq holds another Redis type than expected (WRONGTYPE): ${message}`, { cause: err });
  }
  if (name === 'Error' || name === 'ParserError' || /protocol/i.test(message)) {
    if (!/^[A-Z]+ /.test(message)) {
      return new ConnectionError(`Redis at ${endpoint} failed during ${command}: ${message}`, { cause: err });
    }
  }
  const retriable = redisCode === 'LOADING' || redisCode === 'TRYAGAIN' || redisCode === 'CLUSTERDOWN' || redisCode === 'BUSY' || redisCode === 'MASTERDOWN';
  return new RedisCommandError(`Redis refused ${command}: ${message}`, redisCode, { cause: err, retriable });
}
