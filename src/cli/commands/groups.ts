import type { Command } from 'commander';
import { contextOf, requireGroup, withAdmin } from '../context.js';
import { notFound, usageError } from '../exit-codes.js';
import { renderTable, sanitize } from '../format.js';
import { startAt } from '../options.js';
import { printJson } from '../output.js';
import { registerConsumerCommands } from './consumers.js';
import { registerGateCommands } from './group-gates.js';

/** Options of `groups create`. */
interface CreateFlags {
  startAt: string;
}

/** Options of `groups delete|reset`. */
interface DestructiveFlags {
  yes?: boolean;
  to?: string;
}

/** How a group's pause shows in a table: `no`, `yes` (until resumed) or `until <time>`. */
export const pausedText = (group: { paused?: boolean; pausedUntil?: Date | null }): string =>
  group.paused !== true ? 'no' : group.pausedUntil ? `until ${group.pausedUntil.toISOString()}` : 'yes';

/** Registers `groups list` and `groups create`. */
const registerListCreate = (groups: Command): void => {
  groups
    .command('list')
    .description("list a stream's groups")
    .argument('<stream>', 'the stream')
    .action(async (stream: string, _flags: object, command: Command) => {
      const ctx = contextOf(command);
      const stats = await withAdmin(ctx, (admin) => admin.stats(stream));
      if (!stats.exists) throw notFound(`stream ${sanitize(stream)} does not exist`);
      if (ctx.json) return printJson(ctx.out, { stream, groups: stats.groups });
      ctx.out.line(
        renderTable(
          ['group', 'consumers', 'pending', 'lag', 'last delivered', 'entries read', 'paused'],
          stats.groups.map((g) => [g.name, g.consumers, g.pending, g.lag ?? 'unknown', g.lastDeliveredId, g.entriesRead, pausedText(g)]),
          { empty: '(no groups)' },
        ),
      );
    });
  groups
    .command('create')
    .description('create a group (and the stream if missing); an existing group is left as is')
    .argument('<stream>', 'the stream')
    .argument('<group>', 'the group')
    .option('--start-at <id>', "0 (whole stream, as consume and the library), $ (new messages only) or an entry ID", startAt, '0')
    .action(async (stream: string, group: string, flags: CreateFlags, command: Command) => {
      const ctx = contextOf(command);
      const created = await withAdmin(ctx, (admin) => admin.createGroup(stream, group, { startAt: flags.startAt }));
      if (ctx.json) return printJson(ctx.out, { stream, group, created, startAt: flags.startAt });
      ctx.out.line(created ? `created group ${group} on ${stream} at ${flags.startAt}` : `group ${group} already exists on ${stream} (left as is)`);
    });
};

/** Registers `groups delete` and `groups reset`. */
const registerDeleteReset = (groups: Command): void => {
  groups
    .command('delete')
    .description('delete a group with its pending entries list (needs --yes)')
    .argument('<stream>', 'the stream')
    .argument('<group>', 'the group')
    .option('-y, --yes', 'confirm: the group and its pending entries are deleted')
    .action(async (stream: string, group: string, flags: DestructiveFlags, command: Command) => {
      const ctx = contextOf(command);
      if (!flags.yes) throw usageError(`refusing to delete group ${group} of ${stream} without --yes (its pending entries are lost)`);
      await withAdmin(ctx, async (admin) => {
        await requireGroup(admin, stream, group);
        const deleted = await admin.deleteGroup(stream, group);
        if (ctx.json) return printJson(ctx.out, { stream, group, deleted });
        ctx.out.line(`deleted group ${group} of ${stream}`);
      });
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
      await withAdmin(ctx, async (admin) => {
        await requireGroup(admin, stream, group);
        await admin.resetGroup(stream, group, to);
      });
      if (ctx.json) return printJson(ctx.out, { stream, group, resetTo: to });
      ctx.out.line(`group ${group} of ${stream} now continues after ${to}`);
    });
};

/** Registers `streamq groups list|create|delete|reset|delete-consumer|prune|pause|resume|limits`. */
export const registerGroups = (program: Command): void => {
  const groups = program.command('groups').description('list, create, delete or reset consumer groups; delete or prune their consumers; pause, resume, show limits');
  registerListCreate(groups);
  registerDeleteReset(groups);
  registerConsumerCommands(groups);
  registerGateCommands(groups);
};
