import type { Command } from 'commander';
import type { Admin } from '../index.js';
import { CliError, ExitCode, notFound } from './exit-codes.js';
import { sanitize } from './format.js';
import { canConnect } from './net.js';
import { processOutput, type Output } from './output.js';
import { hostPort, maskUrl, resolveUrl, type ResolvedUrl } from './url.js';

/** The options every subcommand accepts (declared on the program). */
export interface GlobalOptions {
  /** `--url`: the Redis URL. */
  url?: string;
  /** `--json`: print one JSON document instead of tables. */
  json?: boolean;
}

/** The library's public API, loaded on first use so `--help` stays fast. */
export type Library = typeof import('../index.js');

/** What a command's action works with. */
export interface CommandContext {
  /** The Redis URL to use (may hold a password: print {@link CommandContext.maskedUrl}). */
  url: ResolvedUrl;
  /** The URL with its password masked. */
  maskedUrl: string;
  /** Whether `--json` was given. */
  json: boolean;
  /** Where to write. */
  out: Output;
}

/** Builds the {@link CommandContext} of a command from its (and the program's) options. */
export const contextOf = (command: Command, out: Output = processOutput): CommandContext => {
  const options = command.optsWithGlobals<GlobalOptions>();
  const url = resolveUrl(options.url);
  return { url, maskedUrl: maskUrl(url.url), json: options.json === true, out };
};

/** Loads the library (`../index.js`). */
export const loadLibrary = (): Promise<Library> => import('../index.js');

/**
 * Fails fast with exit 3 when nothing accepts TCP connections at the URL's host and port
 * (a Redis client would otherwise retry for a long time).
 */
export const ensureReachable = async (url: string, timeoutMs = 2000): Promise<void> => {
  let target: { host: string; port: number };
  try {
    target = hostPort(url);
  } catch (error) {
    throw new CliError(`invalid Redis URL ${maskUrl(url)}: ${(error as Error).message}`, ExitCode.Usage);
  }
  if (!(await canConnect(target.host, target.port, timeoutMs))) {
    throw new CliError(
      `cannot connect to Redis at ${maskUrl(url)} (set --url or REDIS_URL to a running server)`,
      ExitCode.CannotConnect,
    );
  }
};

/**
 * Time limit of each Redis command of the CLI's Admin: longer than the library's 2 s, as a
 * one-shot command may trim or delete a large stream, but still bounded when Redis hangs.
 */
export const CLI_COMMAND_TIMEOUT_MS = 10_000;

/**
 * Runs `fn` with an {@link Admin} on the context's URL, after checking Redis is reachable,
 * and always closes it.
 */
export const withAdmin = async <T>(ctx: CommandContext, fn: (admin: Admin, lib: Library) => Promise<T>): Promise<T> => {
  await ensureReachable(ctx.url.url);
  const lib = await loadLibrary();
  const admin = new lib.Admin({ redis: ctx.url.url, commandTimeoutMs: CLI_COMMAND_TIMEOUT_MS });
  try {
    return await fn(admin, lib);
  } finally {
    await admin.close().catch(() => undefined);
  }
};

/**
 * Fails with exit 4 ("stream X does not exist") unless the stream exists (or, with
 * `orDeadLetters`, at least has dead letters left: they outlive a deleted stream).
 */
export const requireStream = async (admin: Admin, stream: string, options: { orDeadLetters?: boolean } = {}): Promise<void> => {
  const stats = await admin.stats(stream);
  if (stats.exists || (options.orDeadLetters === true && stats.deadLetters > 0)) return;
  throw notFound(`stream ${sanitize(stream)} does not exist`);
};

/** Fails with exit 4 unless the stream exists and has the group. */
export const requireGroup = async (admin: Admin, stream: string, group: string): Promise<void> => {
  const stats = await admin.stats(stream);
  if (!stats.exists) throw notFound(`stream ${sanitize(stream)} does not exist`);
  if (!stats.groups.some((g) => g.name === group)) throw notFound(`group ${sanitize(group)} does not exist on stream ${sanitize(stream)}`);
};
