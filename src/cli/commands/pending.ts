import type { Command } from 'commander';
import { contextOf, requireGroup, withAdmin } from '../context.js';
import { formatDuration, renderTable } from '../format.js';
import { nonNegativeInt, positiveInt, rangeBound } from '../options.js';
import { printJson } from '../output.js';

/** Options of `streamq pending`. */
interface PendingFlags {
  group: string;
  consumer?: string;
  minIdle?: number;
  count: number;
  start: string;
  end: string;
}

/** Registers `streamq pending`. */
export const registerPending = (program: Command): void => {
  program
    .command('pending')
    .description("list a group's pending entries: delivered, not yet acknowledged")
    .argument('<stream>', 'the stream')
    .requiredOption('-g, --group <group>', 'the consumer group')
    .option('--consumer <name>', 'only the entries of this consumer (default: every consumer)')
    .option('--min-idle <ms>', 'only entries idle at least this long (default: any idle time)', nonNegativeInt)
    .option('--count <n>', 'at most n entries', positiveInt, 100)
    .option('--start <id>', 'first ID (inclusive, or -)', rangeBound, '-')
    .option('--end <id>', 'last ID (inclusive, or +)', rangeBound, '+')
    .action(async (stream: string, flags: PendingFlags, command: Command) => {
      const ctx = contextOf(command);
      const entries = await withAdmin(ctx, async (admin) => {
        await requireGroup(admin, stream, flags.group);
        return admin.pending(stream, flags.group, {
          count: flags.count,
          start: flags.start,
          end: flags.end,
          ...(flags.consumer !== undefined ? { consumer: flags.consumer } : {}),
          ...(flags.minIdle !== undefined ? { minIdleMs: flags.minIdle } : {}),
        });
      });
      if (ctx.json) return printJson(ctx.out, { stream, group: flags.group, entries });
      ctx.out.line(
        renderTable(
          ['id', 'consumer', 'idle', 'deliveries'],
          entries.map((e) => [e.id, e.consumer, formatDuration(e.idleMs), e.deliveries]),
          { empty: '(no pending entries)' },
        ),
      );
    });
};
