/** Exit codes of the `streamq` command (documented in docs/cli.md). */
export const ExitCode = {
  /** The command did what was asked. */
  Ok: 0,
  /** The command failed (a Redis error, bad input data, a handler that could not finish…). */
  Failure: 1,
  /** The command line was wrong: unknown option, missing argument, a refused destructive action. */
  Usage: 2,
  /** Redis could not be reached (nothing listening, DNS failure, authentication refused). */
  CannotConnect: 3,
  /** What the command names does not exist: a stream, a group, a consumer, a dead letter ID. */
  NotFound: 4,
  /** Stopped by Ctrl-C (SIGINT) before the end, after cleaning up (128 + SIGINT's number, as shells do). */
  Interrupted: 130,
} as const;

/** One of the values of {@link ExitCode}. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the CLI reports as is (no stack) and exits with its {@link CliError.exitCode}. */
export class CliError extends Error {
  /** The process exit code this error maps to. */
  readonly exitCode: ExitCodeValue;

  /**
   * @param message - what to tell the user (one or a few lines, no stack).
   * @param exitCode - the exit code; {@link ExitCode.Failure} unless given.
   * @param options - the underlying `cause`, if any.
   */
  constructor(message: string, exitCode: ExitCodeValue = ExitCode.Failure, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** A {@link CliError} for a wrong command line (exit 2). */
export const usageError = (message: string): CliError => new CliError(message, ExitCode.Usage);

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);
const CONNECT_MESSAGES = /\b(WRONGPASS|NOAUTH|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|Socket closed unexpectedly|connection (?:is )?closed)\b/i;

/** Walks an error's `cause` chain (bounded, cycle-safe). */
const causeChain = (error: unknown): unknown[] => {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && chain.length < 8 && !chain.includes(current)) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
};

/** Whether an error (or one of its causes) says Redis could not be reached or refused us. */
export const isConnectionError = (error: unknown): boolean =>
  causeChain(error).some((e) => {
    if (typeof e !== 'object' || e === null) return false;
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (CONNECT_CODES.has(code) || /CONNECT|AUTH/i.test(code))) return true;
    return typeof message === 'string' && CONNECT_MESSAGES.test(message);
  });

/** A {@link CliError} for something named that does not exist (exit 4). */
export const notFound = (message: string): CliError => new CliError(message, ExitCode.NotFound);

/** Whether Redis said that a stream or group does not exist (NOGROUP). */
const isNoGroup = (error: unknown): boolean => (error as { redisCode?: unknown } | null)?.redisCode === 'NOGROUP';

/** The exit code the CLI uses for an error thrown by a command. */
export const exitCodeFor = (error: unknown): ExitCodeValue => {
  if (error instanceof CliError) return error.exitCode;
  if (isNoGroup(error)) return ExitCode.NotFound;
  return isConnectionError(error) ? ExitCode.CannotConnect : ExitCode.Failure;
};
