import type { Command } from 'commander';
import type { Admin, ConsumerInfo, GroupStats, StreamStats } from '../../index.js';
import { contextOf, withAdmin } from '../context.js';
import { CliError, ExitCode, notFound } from '../exit-codes.js';
import { formatDuration, renderTable, sanitize } from '../format.js';
import { printJson, type Output } from '../output.js';
import { pausedText } from './groups.js';

/** A group with its consumers, as `stats` reports it. */
export interface GroupReport extends GroupStats {
  /** The group's consumers with their pending counts and idle times. */
  consumerList: ConsumerInfo[];
}

/** A stream with its groups and their consumers, as `stats` reports it. */
export interface StreamReport extends Omit<StreamStats, 'groups'> {
  /** Its groups, each with its consumers. */
  groups: GroupReport[];
}

/** A stream that could not be read (a wrong-type auxiliary key, a timeout…): listed with the error. */
export interface StreamFailure {
  /** The stream's name, as Redis has it. */
  stream: string;
  /** What went wrong. */
  error: { code: string; message: string };
}

/** One row of `stats`: a report, or the error that kept the stream from being read. */
export type StreamRow = StreamReport | StreamFailure;

const isFailure = (row: StreamRow): row is StreamFailure => 'error' in row;

/** The report of one stream, or its error: one stream that cannot be read never hides the others. */
const reportOrError = async (admin: Admin, stream: string): Promise<StreamRow> => {
  try {
    return await streamReport(admin, stream);
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (code === 'ERR_STREAMQ_CONNECTION' || code === 'ERR_STREAMQ_TIMEOUT') throw error; // Redis is away: not this stream's fault
    return { stream, error: { code: typeof code === 'string' ? code : 'ERR_STREAMQ', message: typeof message === 'string' ? message : String(error) } };
  }
};

/** Collects stats, groups and consumers of one stream. */
export const streamReport = async (admin: Admin, stream: string): Promise<StreamReport> => {
  const stats = await admin.stats(stream);
  const groups = await Promise.all(stats.groups.map(async (g) => ({ ...g, consumerList: await admin.consumers(stream, g.name) })));
  return { ...stats, groups };
};

/** Prints the streams that could not be read, one line each with the error. */
const printFailures = (out: Output, failures: StreamFailure[]): void => {
  if (failures.length === 0) return;
  out.line('');
  for (const f of failures) out.line(`${sanitize(f.stream)}: cannot read: ${sanitize(f.error.message)} (${f.error.code})`);
};

/** Prints the three tables of a stats report: streams, groups, consumers. */
const printReports = (out: Output, reports: StreamReport[]): void => {
  out.line(
    renderTable(
      ['stream', 'length', 'groups', 'dead letters', 'delayed', 'first id', 'last id'],
      reports.map((r) => [r.stream, r.length, r.groups.length, r.deadLetters, r.delayed, r.firstId, r.lastId]),
      { empty: '(no streams)' },
    ),
  );
  const levels = reports.flatMap((r) => (r.priorities ?? []).map((level) => ({ stream: r.stream, level })));
  if (levels.length > 0) {
    out.line('');
    out.line(
      renderTable(
        ['stream', 'priority', 'length', 'pending', 'worst lag', 'delayed'],
        levels.map(({ stream, level }) => [
          stream, level.level, level.length, level.groups.reduce((n, g) => n + g.pending, 0),
          level.groups.reduce<number | string>((worst, g) => (g.lag === null ? 'unknown' : typeof worst === 'number' ? Math.max(worst, g.lag) : worst), 0),
          level.delayed,
        ]),
      ),
    );
  }
  const groups = reports.flatMap((r) => r.groups.map((g) => ({ stream: r.stream, g })));
  if (groups.length === 0) return;
  out.line('');
  out.line(
    renderTable(
      ['stream', 'group', 'consumers', 'pending', 'lag', 'last delivered', 'paused'],
      groups.map(({ stream, g }) => [stream, g.name, g.consumers, g.pending, g.lag ?? 'unknown', g.lastDeliveredId, pausedText(g)]),
    ),
  );
  const consumers = groups.flatMap(({ stream, g }) => g.consumerList.map((c) => ({ stream, group: g.name, c })));
  if (consumers.length === 0) return;
  out.line('');
  out.line(
    renderTable(
      ['stream', 'group', 'consumer', 'pending', 'idle', 'inactive'],
      consumers.map(({ stream, group, c }) => [stream, group, c.name, c.pending, formatDuration(c.idleMs), formatDuration(c.inactiveMs)]),
    ),
  );
};

/** Registers `streamq stats`. */
export const registerStats = (program: Command): void => {
  program
    .command('stats')
    .description('show streams, groups, consumers, lag, pending and dead letters (all streams when none is given)')
    .argument('[stream]', 'one stream (default: every stream found with SCAN TYPE stream)')
    .action(async (stream: string | undefined, _flags: object, command: Command) => {
      const ctx = contextOf(command);
      const rows = await withAdmin(ctx, async (admin) => {
        if (stream !== undefined) return [await streamReport(admin, stream)];
        const result: StreamRow[] = [];
        for (const name of [...(await admin.listStreams())].sort()) result.push(await reportOrError(admin, name));
        return result;
      });
      const first = rows[0];
      if (stream !== undefined && first && !isFailure(first) && !first.exists) throw notFound(`stream ${sanitize(stream)} does not exist`);
      const failures = rows.filter(isFailure);
      if (ctx.json) printJson(ctx.out, stream === undefined ? { streams: rows } : first);
      else {
        printReports(ctx.out, rows.filter((row): row is StreamReport => !isFailure(row)));
        printFailures(ctx.out, failures);
      }
      if (failures.length > 0) throw new CliError(`${failures.length} of ${rows.length} streams could not be read (listed above)`, ExitCode.Failure);
    });
};
