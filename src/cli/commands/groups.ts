import type { Command } from 'commander';
import { contextOf, withAdmin } from '../context.js';
import { usageError } from '../exit-codes.js';
import { renderTable } from '../format.js';
import { startAt } from '../options.js';
import { printJson } from '../output.js';

/** Options of `groups create`. */
interface CreateFlags {
  startAt: string;
}

/** Options of `groups delete|reset`. */
interface DestructiveFlags {
  yes?: boolean;
  to?: string;
}

/** Registers `streamq groups list|create|delete|reset`. */
export const registerGroups = (program: Command): void => {
  const groups = program.command('groups').description('list, create, delete or reset consumer groups');
  groups
    .command('list')
    .description("list a stream's groups")
    .argument('<stream>', 'the stream')
    .action(async (stream: string, _flags: object, command: Command) => {
      const ctx = contextOf(command);
      const stats = await withAdmin(ctx, (admin) => admin.stats(stream));
      if (ctx.json) return printJson(ctx.out, { stream, groups: stats.groups });
      ctx.out.line(
        renderTable(
          ['group', 'consumers', 'pending', 'lag', 'last delivered', 'entries read'],
          stats.groups.map((g) => [g.name, g.consumers, g.pending, g.lag ?? 'unknown', g.lastDeliveredId, g.entriesRead]),
          { empty: '(no groups)' },
        ),
      );
    });
  groups
    .command('create')
    .description('create a group (and the stream if missing); an existing group is left as is')
    .argument('<stream>', 'the stream')
    .argument('<group>', 'the group')
    .option('--start-at <id>', '0 (whole stream), $ (new messages only) or an entry ID', startAt, '$')
    .action(async (stream: string, group: string, flags: CreateFlags, command: Command) => {
      const ctx = contextOf(command);
      const created = await withAdmin(ctx, (admin) => admin.createGroup(stream, group, { startAt: flags.startAt }));
      if (ctx.json) return printJson(ctx.out, { stream, group, created });
      ctx.out.line(created ? `created group ${group} on ${stream} at ${flags.startAt}` : `group ${group} already exists on ${stream} (left as is)`);
    });
  groups
    .command('delete')
    .description('delete a group with its pending entries list (needs --yes)')
    .argument('<stream>', 'the stream')
    .argument('<group>', 'the group')
    .option('-y, --yes', 'confirm: the group and its pending entries are deleted')
    .action(async (stream: string, group: string, flags: DestructiveFlags, command: Command) => {
      const ctx = contextOf(command);
      if (!flags.yes) throw usageError(`refusing to delete group ${group} of ${stream} without --yes (its pending entries are lost)`);
      const deleted = await withAdmin(ctx, (admin) => admin.deleteGroup(stream, group));
      if (ctx.json) return printJson(ctx.out, { stream, group, deleted });
      ctx.out.line(deleted ? `deleted group ${group} of ${stream}` : `no group ${group} on ${stream}: nothing deleted`);
    });
  groups
    .command('reset')
    .description("move a group's last-delivered ID (XGROUP SETID; needs --yes)")
    .argument('<stream>', 'the stream')
    .argument('<group>', 'the group')
    .requiredOption('--to <id>', '0 (re-deliver everything), $ (skip to the end) or an entry ID', startAt)
    .option('-y, --yes', 'confirm: messages may be skipped or delivered again')
    .action(async (stream: string, group: string, flags: DestructiveFlags, command: Command) => {
      const ctx = contextOf(command);
      const to = flags.to ?? '$';
      if (!flags.yes) throw usageError(`refusing to reset group ${group} of ${stream} to ${to} without --yes`);
      await withAdmin(ctx, (admin) => admin.resetGroup(stream, group, to));
      if (ctx.json) return printJson(ctx.out, { stream, group, resetTo: to });
      ctx.out.line(`group ${group} of ${stream} now continues after ${to}`);
    });
};
