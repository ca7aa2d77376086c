import type { Command } from 'commander';
import type { Admin, ConsumerInfo, GroupStats, StreamStats } from '../../index.js';
import { contextOf, withAdmin } from '../context.js';
import { formatDuration, renderTable } from '../format.js';
import { printJson, type Output } from '../output.js';

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

/** Collects stats, groups and consumers of one stream. */
export const streamReport = async (admin: Admin, stream: string): Promise<StreamReport> => {
  const stats = await admin.stats(stream);
  const groups = await Promise.all(stats.groups.map(async (g) => ({ ...g, consumerList: await admin.consumers(stream, g.name) })));
  return { ...stats, groups };
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
  const groups = reports.flatMap((r) => r.groups.map((g) => ({ stream: r.stream, g })));
  if (groups.length === 0) return;
  out.line('');
  out.line(
    renderTable(
      ['stream', 'group', 'consumers', 'pending', 'lag', 'last delivered'],
      groups.map(({ stream, g }) => [stream, g.name, g.consumers, g.pending, g.lag ?? 'unknown', g.lastDeliveredId]),
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
      const reports = await withAdmin(ctx, async (admin) => {
        const names = stream === undefined ? await admin.listStreams() : [stream];
        const result: StreamReport[] = [];
        for (const name of [...names].sort()) result.push(await streamReport(admin, name));
        return result;
      });
      if (ctx.json) return printJson(ctx.out, stream === undefined ? { streams: reports } : reports[0]);
      if (stream !== undefined && reports[0] && !reports[0].exists) ctx.out.error(`note: stream ${stream} does not exist`);
      printReports(ctx.out, reports);
    });
};
