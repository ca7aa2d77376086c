import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerBench } from './commands/bench.js';
import { registerConsume } from './commands/consume.js';
import { registerDashboard } from './commands/dashboard.js';
import { registerDeadLetters } from './commands/dead-letters.js';
import { registerDemo } from './commands/demo.js';
import { registerGroups } from './commands/groups.js';
import { registerPending } from './commands/pending.js';
import { registerSchedules } from './commands/schedules.js';
import { registerSend } from './commands/send.js';
import { registerStats } from './commands/stats.js';
import { registerTrim } from './commands/trim.js';
import { ExitCode, exitCodeFor, type ExitCodeValue } from './exit-codes.js';
import { processOutput, type Output } from './output.js';
import { redact, resolveUrl } from './url.js';

const EXIT_CODES_HELP = `
Redis: --url, else $REDIS_URL, else redis://127.0.0.1:6379. Passwords are never printed.

Exit codes:
  0  ok
  1  failure (Redis error, invalid input, a refused or failed operation)
  2  usage error (unknown option, missing argument, destructive action without --yes)
  3  cannot connect to Redis
  4  not found: the stream, group, consumer or dead letter named does not exist
130  interrupted by Ctrl-C (after cleaning up)`;

/** The package's version, read from package.json (two levels up from src/cli or dist/cli). */
const packageVersion = (): string => {
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    return (JSON.parse(text) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
};

/** Builds the `streamq` program with every subcommand registered. */
export const buildProgram = (): Command => {
  const program = new Command('streamq');
  program
    .description('Reliable message queues on Redis Streams: demo, send, consume, inspect and repair.')
    .version(packageVersion(), '-V, --version')
    .option('--url <url>', 'Redis URL (default: $REDIS_URL, else redis://127.0.0.1:6379)')
    .option('--json', 'print one JSON document instead of tables (default: tables)')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .addHelpText('after', EXIT_CODES_HELP);
  for (const register of [registerDemo, registerSend, registerConsume, registerStats, registerPending, registerDeadLetters, registerGroups, registerSchedules, registerTrim, registerDashboard, registerBench]) {
    register(program);
  }
  return program;
};

/** Maps a commander error (help, version, bad usage) to an exit code. */
const commanderExit = (error: CommanderError): ExitCodeValue => (error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage);

/**
 * Runs the CLI on `argv` (as `process.argv`: node, script, args…) and returns the exit code.
 * Errors are printed on standard error, with any credential of the Redis URL masked.
 */
export const run = async (argv: string[], out: Output = processOutput): Promise<ExitCodeValue> => {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return ExitCode.Ok;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(error);
    const url = resolveUrl(program.opts<{ url?: string }>().url).url;
    const message = error instanceof Error ? error.message : String(error);
    out.error(`streamq: ${redact(message, url)}`);
    if (process.env.STREAMQ_DEBUG === '1' && error instanceof Error && error.stack) out.error(redact(error.stack, url));
    return exitCodeFor(error);
  }
};
