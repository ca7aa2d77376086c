import type { Command } from 'commander';
import type { Admin, DeadLetter } from '../../index.js';
import { contextOf, withAdmin, type CommandContext } from '../context.js';
import { usageError } from '../exit-codes.js';
import { renderTable } from '../format.js';
import { collectIds, nextId, positiveInt, rangeBound } from '../options.js';
import { printJson } from '../output.js';
import { startProgress } from '../progress.js';

/** Options of `dead-letters list`. */
interface ListFlags {
  count: number;
  start: string;
  end: string;
}

/** Options of `dead-letters replay|purge`. */
interface ActFlags {
  id?: string[];
  all?: boolean;
  dryRun?: boolean;
  yes?: boolean;
}

const PAGE = 500;
const CHUNK = 100;

/** Prints dead letters as a table. */
const printDeadLetters = (ctx: CommandContext, letters: DeadLetter[]): void => {
  ctx.out.line(
    renderTable(
      ['id', 'original id', 'group', 'reason', 'deliveries', 'consumer', 'failed at', 'fields'],
      letters.map((d) => [d.id, d.originalId, d.group, d.reason, d.deliveries, d.consumer, d.failedAt.toISOString(), JSON.stringify(d.fields)]),
      { empty: '(no dead letters)', maxWidth: 48 },
    ),
  );
};

/** Every dead letter of `stream` (paged), or those with the given IDs. */
const targets = async (admin: Admin, stream: string, flags: ActFlags): Promise<DeadLetter[]> => {
  if (!flags.all) {
    const found = await Promise.all((flags.id ?? []).map((id) => admin.deadLetters(stream, { start: id, end: id, count: 1 })));
    return found.flat();
  }
  const all: DeadLetter[] = [];
  let start = '-';
  for (;;) {
    const page = await admin.deadLetters(stream, { start, end: '+', count: PAGE });
    all.push(...page);
    const last = page[page.length - 1];
    if (page.length < PAGE || last === undefined) return all;
    start = nextId(last.id);
  }
};

/** Replays or purges in chunks of IDs, with a progress bar on a terminal. */
const act = async (ctx: CommandContext, admin: Admin, stream: string, action: 'replay' | 'purge', ids: string[]): Promise<number> => {
  const progress = startProgress(ctx.out, action === 'replay' ? 'replaying' : 'purging', ids.length, { json: ctx.json, threshold: CHUNK + 1 });
  let done = 0;
  try {
    for (let at = 0; at < ids.length; at += CHUNK) {
      const chunk = ids.slice(at, at + CHUNK);
      done += action === 'replay' ? await admin.replayDeadLetters(stream, { ids: chunk }) : await admin.purgeDeadLetters(stream, { ids: chunk });
      progress.increment(chunk.length);
    }
  } finally {
    progress.stop();
  }
  return done;
};

/** The action of `dead-letters replay|purge`. */
const replayOrPurge = (action: 'replay' | 'purge') => async (stream: string, flags: ActFlags, command: Command) => {
  const ctx = contextOf(command);
  if (flags.all === true && flags.id !== undefined) throw usageError('give --id or --all, not both');
  if (flags.all !== true && flags.id === undefined) throw usageError(`say which dead letters to ${action}: --id ID (repeatable) or --all`);
  if (action === 'purge' && !flags.yes && !flags.dryRun) {
    throw usageError('refusing to purge dead letters without --yes (they are deleted for good); try --dry-run first');
  }
  await withAdmin(ctx, async (admin) => {
    const letters = await targets(admin, stream, flags);
    const ids = letters.map((d) => d.id);
    if (flags.dryRun) {
      if (ctx.json) return printJson(ctx.out, { stream, action, dryRun: true, count: ids.length, ids });
      printDeadLetters(ctx, letters);
      return ctx.out.line(`dry run: would ${action} ${ids.length} dead letter${ids.length === 1 ? '' : 's'} of ${stream}`);
    }
    const missing = (flags.id ?? []).filter((id) => !ids.includes(id));
    const done = await act(ctx, admin, stream, action, ids);
    const key = action === 'replay' ? 'replayed' : 'purged';
    if (ctx.json) return printJson(ctx.out, { stream, [key]: done, ids, notFound: missing });
    for (const id of missing) ctx.out.error(`not found: ${id}`);
    ctx.out.line(`${key} ${done} dead letter${done === 1 ? '' : 's'} of ${stream}${action === 'replay' ? ' (back into the stream)' : ''}`);
  });
};

/** Adds the options shared by `replay` and `purge`. */
const actOptions = (command: Command): Command =>
  command
    .argument('<stream>', 'the stream whose dead letters to act on')
    .option('--id <id>', 'a dead letter ID (repeatable)', collectIds)
    .option('--all', 'every dead letter of the stream')
    .option('--dry-run', 'only show what would be done')
    .option('-y, --yes', 'confirm a destructive action');

/** Registers `streamq dead-letters list|replay|purge`. */
export const registerDeadLetters = (program: Command): void => {
  const dl = program.command('dead-letters').alias('dlq').description('list, replay or purge the messages that failed for good');
  dl.command('list')
    .description("list a stream's dead letters with the reason of each")
    .argument('<stream>', 'the stream')
    .option('--count <n>', 'at most n', positiveInt, 100)
    .option('--start <id>', 'first dead letter ID (or -)', rangeBound, '-')
    .option('--end <id>', 'last dead letter ID (or +)', rangeBound, '+')
    .action(async (stream: string, flags: ListFlags, command: Command) => {
      const ctx = contextOf(command);
      const letters = await withAdmin(ctx, (admin) => admin.deadLetters(stream, flags));
      if (ctx.json) return printJson(ctx.out, { stream, deadLetters: letters });
      printDeadLetters(ctx, letters);
    });
  actOptions(dl.command('replay').description('move dead letters back into their stream, to be consumed again')).action(replayOrPurge('replay'));
  actOptions(dl.command('purge').description('delete dead letters for good (needs --yes)')).action(replayOrPurge('purge'));
};
