import type { Command } from 'commander';
import { contextOf, requireGroup, withAdmin } from '../context.js';
import { CliError, ExitCode, notFound } from '../exit-codes.js';
import { formatDuration, sanitize } from '../format.js';
import { duration } from '../options.js';
import { printJson } from '../output.js';

/** Options of `groups delete-consumer`. */
interface DeleteFlags {
  force?: boolean;
}

/** Options of `groups prune`. */
interface PruneFlags {
  idle: number;
}

/** Registers `groups delete-consumer` and `groups prune`: consumers that are gone do not pile up. */
export const registerConsumerCommands = (groups: Command): void => {
  groups
    .command('delete-consumer')
    .description('remove a consumer from a group (XGROUP DELCONSUMER); refused while it holds pending entries, unless --force')
    .argument('<stream>', 'the stream')
    .argument('<group>', 'the group')
    .argument('<consumer>', 'the consumer')
    .option('--force', 'delete even when it holds pending entries: they leave the group and are never delivered to it again')
    .action(async (stream: string, group: string, consumer: string, flags: DeleteFlags, command: Command) => {
      const ctx = contextOf(command);
      const result = await withAdmin(ctx, async (admin) => {
        await requireGroup(admin, stream, group);
        return admin.deleteConsumer(stream, group, consumer, { force: flags.force === true });
      });
      if (ctx.json) printJson(ctx.out, { stream, group, consumer, ...result });
      const who = `consumer ${sanitize(consumer)} of group ${sanitize(group)} on ${sanitize(stream)}`;
      if (!result.existed) throw notFound(`${who} does not exist`);
      if (!result.deleted) {
        throw new CliError(`refusing to delete ${who}: it holds ${result.pending} pending entr${result.pending === 1 ? 'y' : 'ies'} (let a consumer finish or take them over, or use --force to drop them from the group)`, ExitCode.Usage);
      }
      if (!ctx.json) ctx.out.line(`deleted ${who}${result.pending > 0 ? ` and its ${result.pending} pending entries` : ''}`);
    });
  groups
    .command('prune')
    .description('delete the consumers of a group idle longer than --idle that hold no pending entries')
    .argument('<stream>', 'the stream')
    .argument('<group>', 'the group')
    .requiredOption('--idle <duration>', 'minimum idle time: milliseconds, or 90s, 30m, 2h, 1d', duration)
    .action(async (stream: string, group: string, flags: PruneFlags, command: Command) => {
      const ctx = contextOf(command);
      const pruned = await withAdmin(ctx, async (admin) => {
        await requireGroup(admin, stream, group);
        return admin.pruneConsumers(stream, group, { idleMs: flags.idle });
      });
      if (ctx.json) return printJson(ctx.out, { stream, group, idleMs: flags.idle, pruned });
      for (const name of pruned) ctx.out.line(`deleted consumer ${sanitize(name)}`);
      ctx.out.line(`pruned ${pruned.length} consumer${pruned.length === 1 ? '' : 's'} of group ${sanitize(group)} idle longer than ${formatDuration(flags.idle)}`);
    });
};
