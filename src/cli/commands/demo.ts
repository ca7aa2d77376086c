import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { CliError } from '../exit-codes.js';
import { runDemo } from '../demo.js';
import { positiveInt } from '../options.js';

/** Options of `streamq demo`. */
interface DemoFlags {
  deadline: number;
}

/** Registers `streamq demo`: the go-redis example's scenario, end to end. */
export const registerDemo = (program: Command): void => {
  program
    .command('demo')
    .description('run the quick-start scenario: a group, three consumers, batches sent at different times, a summary')
    .option('--deadline <ms>', 'fail if the messages are not all handled within this time', positiveInt, 15_000)
    .addHelpText(
      'after',
      `
Uses its own stream (streamq-demo-<random>) and deletes its keys at the end.
Without --url and REDIS_URL, when nothing listens on 127.0.0.1:6379, it starts a private
redis-server from PATH on a free port for its lifetime (exit 1 if there is none).`,
    )
    .action(async (flags: DemoFlags, command: Command) => {
      const ctx = contextOf(command);
      const controller = new AbortController();
      const onSignal = (): void => controller.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const summary = await runDemo({
          out: ctx.out,
          json: ctx.json,
          ...(ctx.url.source === 'default' ? {} : { url: ctx.url.url }),
          deadlineMs: flags.deadline,
          signal: controller.signal,
        });
        if (summary.pending !== 0 || summary.deadLetters !== 0) {
          throw new CliError(`demo finished with ${summary.pending} pending and ${summary.deadLetters} dead-lettered messages`);
        }
      } catch (error) {
        if (controller.signal.aborted) throw new CliError('interrupted: the demo stopped early');
        throw error;
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }
    });
};
