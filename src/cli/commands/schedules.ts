import type { Command } from 'commander';
import type { ScheduleInfo } from '../../index.js';
import { contextOf, withAdmin } from '../context.js';
import { usageError } from '../exit-codes.js';
import { renderTable } from '../format.js';
import { printJson } from '../output.js';

/** Options of `schedules remove`. */
interface RemoveFlags {
  yes?: boolean;
}

/** A spec in a short human form: `every 60000ms` or `cron 0 3 * * * (Europe/Berlin)`. */
const specText = (spec: ScheduleInfo['spec']): string =>
  'everyMs' in spec ? `every ${spec.everyMs}ms` : `cron ${spec.cron} (${spec.tz ?? 'UTC'})`;

const iso = (date: Date | null): string | null => date?.toISOString() ?? null;

/** Registers `streamq schedules list|remove`. */
export const registerSchedules = (program: Command): void => {
  const schedules = program.command('schedules').description("list or remove a stream's schedules (repeatable and cron ticks)");
  schedules
    .command('list')
    .description("list a stream's schedules: spec, next run, last sent tick, missed-tick policy")
    .argument('<stream>', 'the stream')
    .action(async (stream: string, _flags: object, command: Command) => {
      const ctx = contextOf(command);
      const list = await withAdmin(ctx, (admin) => admin.schedules(stream));
      if (ctx.json) return printJson(ctx.out, { stream, schedules: list });
      ctx.out.line(
        renderTable(
          ['name', 'spec', 'next run', 'last tick', 'missed'],
          list.map((s) => [s.name, specText(s.spec), iso(s.nextRunAt) ?? 'none', iso(s.lastTickAt), s.missed]),
          { empty: '(no schedules)' },
        ),
      );
    });
  schedules
    .command('remove')
    .description('remove a schedule: no scheduler sends its ticks any more (needs --yes)')
    .argument('<stream>', 'the stream')
    .argument('<name>', 'the schedule')
    .option('-y, --yes', 'confirm: the schedule is deleted (an application that upserts it at start-up creates it again)')
    .action(async (stream: string, name: string, flags: RemoveFlags, command: Command) => {
      const ctx = contextOf(command);
      if (!flags.yes) throw usageError(`refusing to remove schedule ${name} of ${stream} without --yes`);
      const removed = await withAdmin(ctx, (admin) => admin.removeSchedule(stream, name));
      if (ctx.json) return printJson(ctx.out, { stream, name, removed });
      ctx.out.line(removed ? `removed schedule ${name} of ${stream}` : `no schedule ${name} on ${stream}: nothing removed`);
    });
};
