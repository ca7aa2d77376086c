import type { Command } from 'commander';
import type { Admin, DeadLetter } from '../../index.js';
import { contextOf, requireStream, withAdmin, type CommandContext } from '../context.js';
import { notFound, usageError } from '../exit-codes.js';
import { renderTable, sanitize, type Cell } from '../format.js';
import { collectIds, nextId, positiveInt, rangeBound } from '../options.js';
import { printJson } from '../output.js';
import { startProgress, type Progress } from '../progress.js';

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
/** How a metadata field the dead letter lacks (or holds malformed) is shown. */
const UNKNOWN = 'unknown';

const orUnknown = (value: Cell): Cell => (value === null || value === undefined ? UNKNOWN : value);

/** Prints dead letters as a table; a malformed metadata field shows as `unknown`. */
const printDeadLetters = (ctx: CommandContext, letters: DeadLetter[]): void => {
  ctx.out.line(
    renderTable(
      ['id', 'original id', 'group', 'reason', 'deliveries', 'consumer', 'failed at', 'fields'],
      letters.map((d) => [
        d.id, orUnknown(d.originalId), orUnknown(d.group), orUnknown(d.reason), orUnknown(d.deliveries), orUnknown(d.consumer),
        d.failedAt === null ? UNKNOWN : d.failedAt.toISOString(), JSON.stringify(d.fields),
      ]),
      { empty: '(no dead letters)', maxWidth: 48 },
    ),
  );
};

/**
 * Pages of the dead letters that exist now, oldest first: the newest ID is read first and pages
 * are taken by ID range up to it, so dead letters added meanwhile (a replayed message that
 * fails again at once) are not taken again.
 */
async function* pagesUpToNow(admin: Admin, stream: string): AsyncGenerator<DeadLetter[]> {
  const [newest] = await admin.deadLetters(stream, { count: 1, reverse: true });
  if (newest === undefined) return;
  let start = '-';
  for (;;) {
    const page = await admin.deadLetters(stream, { start, end: newest.id, count: PAGE });
    if (page.length > 0) yield page;
    const last = page[page.length - 1];
    if (last === undefined || last.id === newest.id || page.length < PAGE) return;
    start = nextId(last.id);
  }
}

/** Replays or purges some IDs in chunks, advancing the progress bar. */
const act = async (admin: Admin, stream: string, action: 'replay' | 'purge', ids: string[], progress: Progress): Promise<number> => {
  let done = 0;
  for (let at = 0; at < ids.length; at += CHUNK) {
    const chunk = ids.slice(at, at + CHUNK);
    done += action === 'replay' ? await admin.replayDeadLetters(stream, { ids: chunk }) : await admin.purgeDeadLetters(stream, { ids: chunk });
    progress.increment(chunk.length);
  }
  return done;
};

/** What a replay or purge found and did. */
interface Outcome {
  done: number;
  ids: string[];
  notFound: string[];
  letters: DeadLetter[];
}

/** `--all`: the dead letters that exist now, page by page (listed only with `--dry-run`). */
const actOnAll = async (ctx: CommandContext, admin: Admin, stream: string, action: 'replay' | 'purge', dryRun: boolean): Promise<Outcome> => {
  const total = (await admin.stats(stream)).deadLetters;
  const progress = startProgress(ctx.out, action === 'replay' ? 'replaying' : 'purging', total, { json: ctx.json || dryRun, threshold: CHUNK + 1 });
  const outcome: Outcome = { done: 0, ids: [], notFound: [], letters: [] };
  try {
    for await (const page of pagesUpToNow(admin, stream)) {
      const ids = page.map((d) => d.id);
      outcome.ids.push(...ids);
      if (dryRun) outcome.letters.push(...page);
      else outcome.done += await act(admin, stream, action, ids, progress);
    }
  } finally {
    progress.stop();
  }
  return outcome;
};

/** `--id …`: those dead letters; the IDs not found are reported. */
const actOnIds = async (ctx: CommandContext, admin: Admin, stream: string, action: 'replay' | 'purge', wanted: string[], dryRun: boolean): Promise<Outcome> => {
  const letters = (await Promise.all(wanted.map((id) => admin.deadLetters(stream, { start: id, end: id, count: 1 })))).flat();
  const ids = letters.map((d) => d.id);
  const missing = wanted.filter((id) => !ids.includes(id));
  if (dryRun) return { done: 0, ids, notFound: missing, letters };
  const progress = startProgress(ctx.out, action === 'replay' ? 'replaying' : 'purging', ids.length, { json: ctx.json, threshold: CHUNK + 1 });
  try {
    return { done: await act(admin, stream, action, ids, progress), ids, notFound: missing, letters: [] };
  } finally {
    progress.stop();
  }
};

/** Prints the outcome; fails with exit 4 when some IDs were not found. */
const report = (ctx: CommandContext, stream: string, action: 'replay' | 'purge', flags: ActFlags, o: Outcome): void => {
  const plural = (n: number): string => `${n} dead letter${n === 1 ? '' : 's'}`;
  const key = action === 'replay' ? 'replayed' : 'purged';
  if (ctx.json) printJson(ctx.out, flags.dryRun ? { stream, action, dryRun: true, count: o.ids.length, ids: o.ids, notFound: o.notFound } : { stream, [key]: o.done, ids: o.ids, notFound: o.notFound });
  else if (flags.dryRun) {
    printDeadLetters(ctx, o.letters);
    ctx.out.line(`dry run: would ${action} ${plural(o.ids.length)} of ${stream}`);
  } else ctx.out.line(`${key} ${plural(o.done)} of ${stream}${action === 'replay' ? ' (back into the stream)' : ''}`);
  if (o.notFound.length > 0) throw notFound(`no dead letter ${o.notFound.map(sanitize).join(', ')} in the dead letters of ${sanitize(stream)}`);
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
    await requireStream(admin, stream, { orDeadLetters: true });
    const dryRun = flags.dryRun === true;
    const outcome = flags.all ? await actOnAll(ctx, admin, stream, action, dryRun) : await actOnIds(ctx, admin, stream, action, flags.id ?? [], dryRun);
    report(ctx, stream, action, flags, outcome);
  });
};

/** Adds the options shared by `replay` and `purge`. */
const actOptions = (command: Command): Command =>
  command
    .argument('<stream>', 'the stream whose dead letters to act on')
    .option('--id <id>', 'a dead letter ID (repeatable)', collectIds)
    .option('--all', 'every dead letter of the stream when the command starts (those added meanwhile are left)')
    .option('--dry-run', 'only show what would be done')
    .option('-y, --yes', 'confirm a destructive action');

/** Registers `streamq dead-letters list|replay|purge`. */
export const registerDeadLetters = (program: Command): void => {
  const dl = program.command('dead-letters').alias('dlq').description('list, replay or purge the messages that failed for good');
  dl.command('list')
    .description("list a stream's dead letters with the reason of each (a malformed field shows as unknown)")
    .argument('<stream>', 'the stream')
    .option('--count <n>', 'at most n', positiveInt, 100)
    .option('--start <id>', 'first dead letter ID (or -)', rangeBound, '-')
    .option('--end <id>', 'last dead letter ID (or +)', rangeBound, '+')
    .action(async (stream: string, flags: ListFlags, command: Command) => {
      const ctx = contextOf(command);
      const letters = await withAdmin(ctx, async (admin) => {
        await requireStream(admin, stream, { orDeadLetters: true });
        return admin.deadLetters(stream, flags);
      });
      if (ctx.json) return printJson(ctx.out, { stream, deadLetters: letters });
      printDeadLetters(ctx, letters);
    });
  actOptions(dl.command('replay').description('move dead letters back into their stream, to be consumed again')).action(replayOrPurge('replay'));
  actOptions(dl.command('purge').description('delete dead letters for good (needs --yes)')).action(replayOrPurge('purge'));
};
