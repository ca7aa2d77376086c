/**
 * The streamq error hierarchy. Every error streamq throws is a {@link StreamqError} with a stable
 * `code`, a `retriable` flag saying whether trying again may succeed, and the underlying `cause`.
 * Messages name the problem and never contain credentials.
 */

/** Stable error codes, one per error class. */
export type StreamqErrorCode =
  | 'ERR_STREAMQ'
  | 'ERR_STREAMQ_OPTIONS'
  | 'ERR_STREAMQ_ENCODE'
  | 'ERR_STREAMQ_DECODE'
  | 'ERR_STREAMQ_PAYLOAD_TOO_LARGE'
  | 'ERR_STREAMQ_CONNECTION'
  | 'ERR_STREAMQ_AUTH'
  | 'ERR_STREAMQ_WRONG_TYPE'
  | 'ERR_STREAMQ_REDIS'
  | 'ERR_STREAMQ_CLOSED'
  | 'ERR_STREAMQ_UNRECOVERABLE'
  | 'ERR_STREAMQ_TIMEOUT';

/** Options shared by every streamq error. */
export interface StreamqErrorOptions {
  /** The error that caused this one. */
  cause?: unknown;
  /** Whether the same operation may succeed if tried again. @default false */
  retriable?: boolean;
}

/** Base class of every error streamq throws. */
export class StreamqError extends Error {
  /** A stable, machine-readable code. */
  readonly code: StreamqErrorCode;
  /** Whether the same operation may succeed if tried again. */
  readonly retriable: boolean;

  constructor(message: string, options: StreamqErrorOptions = {}, code: StreamqErrorCode = 'ERR_STREAMQ') {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** An option given to a constructor or a method is invalid. */
export class InvalidOptionError extends StreamqError {
  constructor(message: string, options?: StreamqErrorOptions) {
    super(message, options, 'ERR_STREAMQ_OPTIONS');
  }
}

/** A payload or headers cannot be encoded (BigInt, circular structure, undefined…). Nothing was sent. */
export class EncodeError extends StreamqError {
  constructor(message: string, options?: StreamqErrorOptions) {
    super(message, options, 'ERR_STREAMQ_ENCODE');
  }
}

/** An entry's fields cannot be decoded into a message. The entry goes to the dead letters. */
export class DecodeError extends StreamqError {
  constructor(message: string, options?: StreamqErrorOptions) {
    super(message, options, 'ERR_STREAMQ_DECODE');
  }
}

/** An encoded message is larger than `maxPayloadBytes`. Nothing was sent. */
export class PayloadTooLargeError extends StreamqError {
  constructor(message: string, options?: StreamqErrorOptions) {
    super(message, options, 'ERR_STREAMQ_PAYLOAD_TOO_LARGE');
  }
}

/** Redis cannot be reached, did not answer in time, or is not a Redis server. */
export class ConnectionError extends StreamqError {
  constructor(message: string, options?: StreamqErrorOptions) {
    super(message, { retriable: true, ...options }, 'ERR_STREAMQ_CONNECTION');
  }
}

/** Redis refused the credentials, or needs some and none were given. */
export class AuthenticationError extends StreamqError {
  constructor(message: string, options?: StreamqErrorOptions) {
    super(message, options, 'ERR_STREAMQ_AUTH');
  }
}

/** The key at the stream's name (or an auxiliary key) holds another type than a stream. */
export class WrongTypeError extends StreamqError {
  constructor(message: string, options?: StreamqErrorOptions) {
    super(message, options, 'ERR_STREAMQ_WRONG_TYPE');
  }
}

/** Redis answered a command with an error (OOM, READONLY, NOPERM…). */
export class RedisCommandError extends StreamqError {
  /** The first word of Redis's error, e.g. `OOM`, `READONLY`, `NOPERM`. */
  readonly redisCode: string;
  constructor(message: string, redisCode: string, options?: StreamqErrorOptions) {
    super(message, options, 'ERR_STREAMQ_REDIS');
    this.redisCode = redisCode;
  }
}

/** The producer, consumer or admin was closed. */
export class ClosedError extends StreamqError {
  constructor(message: string, options?: StreamqErrorOptions) {
    super(message, options, 'ERR_STREAMQ_CLOSED');
  }
}

/** An operation did not finish within its time limit. */
export class TimeoutError extends StreamqError {
  constructor(message: string, options?: StreamqErrorOptions) {
    super(message, { retriable: true, ...options }, 'ERR_STREAMQ_TIMEOUT');
  }
}

/**
 * Throw this from a handler to say that retrying cannot help: the message goes straight to the
 * dead letters with this error's message as the reason.
 */
export class UnrecoverableError extends StreamqError {
  constructor(message: string, options?: StreamqErrorOptions) {
    super(message, { ...options, retriable: false }, 'ERR_STREAMQ_UNRECOVERABLE');
  }
}
