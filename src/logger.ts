/**
 * A pluggable logger. streamq is quiet by default; pass `logger: consoleLogger()` or your own
 * (pino, winston… anything with these four methods). streamq never logs credentials, and logs
 * payloads only where a caller passes them explicitly.
 */

/** What streamq logs through. */
export interface Logger {
  debug(message: string, context?: Record<string, unknown>): void;
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

/** Levels in order of severity. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** A logger that drops everything (the default). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A logger writing one line per record to stderr, from `level` up. @param level @default 'info' */
export function consoleLogger(level: LogLevel = 'info'): Logger {
  const min = LEVELS.indexOf(level);
  const make = (at: LogLevel) => (message: string, context?: Record<string, unknown>) => {
    if (LEVELS.indexOf(at) < min) return;
    const suffix = context && Object.keys(context).length > 0 ? ` ${JSON.stringify(context)}` : '';
    process.stderr.write(`[streamq] ${at}: ${message}${suffix}\n`);
  };
  return { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
}
