import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { CliError, ExitCode, usageError } from '../exit-codes.js';
import { runDemo } from '../demo.js';
import { positiveInt } from '../options.js';

/** Options of `streamq demo`. */
interface DemoFlags {
  deadline: number;
  private?: boolean;
}

/** Registers `streamq demo`: the go-redis example's scenario, end to end. */
export const registerDemo = (program: Command): void => {
  program
    .command('demo')
    .description('run the quick-start scenario: a group, three consumers, batches sent at different times, a summary')
    .option('--deadline <ms>', 'fail if the messages are not all handled within this time', positiveInt, 15_000)
    .option('--private', 'always start a private redis-server from PATH for the demo, even when one listens on 127.0.0.1:6379')
    .addHelpText(
      'after',
      `
Uses its own stream (streamq-demo-<random>) and deletes its keys at the end.
Without --url and REDIS_URL, when nothing listens on 127.0.0.1:6379, it starts a private
redis-server from PATH on a free port for its lifetime (exit 1 if there is none).
Ctrl-C stops it, cleans up (its keys, its private redis-server) and exits 130.`,
    )
    .action(async (flags: DemoFlags, command: Command) => {
      const ctx = contextOf(command);
      if (flags.private && ctx.url.source !== 'default') throw usageError('--private starts its own redis-server: do not give --url or REDIS_URL with it');
      const controller = new AbortController();
      // Every signal only asks to stop (a second Ctrl-C must not kill the process mid-clean-up,
      // leaving the private redis-server behind); the clean-up itself is bounded.
      const onSignal = (): void => controller.abort();
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const summary = await runDemo({
          out: ctx.out,
          json: ctx.json,
          ...(ctx.url.source === 'default' ? {} : { url: ctx.url.url }),
          deadlineMs: flags.deadline,
          signal: controller.signal,
          ...(flags.private ? { privateRedis: true } : {}),
        });
        if (controller.signal.aborted) throw new CliError('interrupted: the demo stopped early and cleaned up', ExitCode.Interrupted);
        if (summary.pending !== 0 || summary.deadLetters !== 0) {
          throw new CliError(`demo finished with ${summary.pending} pending and ${summary.deadLetters} dead-lettered messages`);
        }
      } catch (error) {
        if (controller.signal.aborted) throw new CliError('interrupted: the demo stopped early and cleaned up', ExitCode.Interrupted);
        throw error;
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }
    });
};
