/**
 * The dashboard's JSON API: reads here, writes in routes-actions.ts. Every route is a thin call
 * to the public Admin API (or the sampler's memory); parameters are checked in params.ts.
 */
import type { Admin } from '../index.js';
import type { StreamStats } from '../admin-types.js';
import { isUnavailable } from './availability.js';
import { combineLevels } from './levels.js';
import { bound, decodeSegment, flag, inclusive, int, readName, text, validName } from './params.js';
import type { Publisher } from './publisher.js';
import type { Sampler } from './sampler.js';
import { streamPost } from './routes-actions.js';

/** A route's answer: JSON, or text (Prometheus). */
export type RouteResult = { status: number; json: unknown } | { status: number; text: string; contentType: string };

/** A request as the routes see it. */
export interface RouteRequest {
  /** `GET` or `POST` (others are refused before routing). */
  method: string;
  /** The path split on `/`, still percent-encoded, without the leading empty segment. */
  segments: string[];
  /** The query string. */
  query: URLSearchParams;
  /** Reads and parses the JSON body (POST only). */
  body: () => Promise<unknown>;
}

/** What the routes work with. */
export interface RouteContext {
  admin: Admin;
  sampler: Sampler;
  /** Sends test messages; `null` when the dashboard has no `redis` option to create producers from. */
  publisher: Publisher | null;
}

/** A route that does not exist (404). */
export class NotFound extends Error {
  override readonly name = 'NotFound';
}

/** A stream whose stats could not be read: listed with the error instead of failing the list. */
export interface StreamError {
  /** The stream's name, as Redis has it. */
  stream: string;
  /** What went wrong (`code` is the library's error code, e.g. `ERR_STREAMQ_WRONG_TYPE`). */
  error: { code: string; message: string };
}

/** One row of the streams list: the stream's stats, or its error. */
export type StreamRow = StreamStats | StreamError;

/** Whether a row is an error row. */
export const isStreamError = (row: StreamRow): row is StreamError => 'error' in row;

/** What went wrong, as an error row shows it (an outage is rethrown: the whole answer is a 503). */
const errorOf = (error: unknown): { code: string; message: string } => {
  if (isUnavailable(error)) throw error;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return { code: typeof code === 'string' ? code : 'ERR_STREAMQ', message: typeof message === 'string' ? message : 'internal error' };
};

/** The stats of one stream, or its error row; an error saying Redis is unavailable is rethrown (the whole answer is a 503). */
const statsOrError = async (admin: Admin, stream: string): Promise<StreamRow> => {
  try {
    return await admin.stats(stream);
  } catch (error) {
    return { stream, error: errorOf(error) };
  }
};

/** Stats of many streams, many at a time (pipelined); one that cannot be read gives an error row, never hides the others. */
export const statsOf = async (admin: Admin, streams: string[]): Promise<StreamRow[]> => {
  const result: StreamRow[] = [];
  for (let at = 0; at < streams.length; at += 200) {
    result.push(...(await Promise.all(streams.slice(at, at + 200).map((s) => statsOrError(admin, s)))));
  }
  return result;
};

const ok = (json: unknown): RouteResult => ({ status: 200, json });

/** `/api/streams/:s/groups/:g/(consumers|pending)`. */
const groupGet = async (admin: Admin, stream: string, rest: string[], query: URLSearchParams): Promise<RouteResult> => {
  const [groupSegment, what, ...extra] = rest;
  if (groupSegment === undefined || extra.length > 0) throw new NotFound('no such route');
  const group = readName(decodeSegment(groupSegment), 'group');
  if (what === 'consumers') return ok({ stream, group, consumers: await admin.consumers(stream, group) });
  if (what !== 'pending') throw new NotFound('no such route');
  const consumer = query.get('consumer');
  const minIdleMs = int(query, 'minIdleMs', undefined, 0, 10 ** 12);
  const entries = await admin.pending(stream, group, {
    count: int(query, 'count', 100, 1, 1000) ?? 100,
    start: inclusive(bound(query, 'start', '-'), 'start'),
    end: inclusive(bound(query, 'end', '+'), 'end'),
    ...(consumer !== null && consumer !== '' ? { consumer: readName(consumer, 'consumer') } : {}),
    ...(minIdleMs !== undefined ? { minIdleMs } : {}),
  });
  return ok({ stream, group, entries });
};

/** The dead-letter search of a query string (reason text, original ID, group). */
const deadLetterQuery = (query: URLSearchParams): { reason?: string; originalId?: string; group?: string } => ({
  ...(text(query, 'reason') !== undefined ? { reason: text(query, 'reason') } : {}),
  ...(text(query, 'originalId') !== undefined ? { originalId: text(query, 'originalId') } : {}),
  ...(text(query, 'group') !== undefined ? { group: text(query, 'group') } : {}),
});

/** `/api/streams/:s/dead-letters[/matching]`: a page (newest first, `before` a dead-letter ID), or the IDs of all matches. */
const deadLettersGet = async (admin: Admin, stream: string, more: string[], query: URLSearchParams): Promise<RouteResult> => {
  const search = deadLetterQuery(query);
  if (more.length === 1 && more[0] === 'matching') {
    const page = await admin.searchDeadLetters(stream, { ...search, count: 10_000, scanLimit: 1_000_000 });
    return ok({ stream, ids: page.deadLetters.map((d) => d.id), complete: page.next === null });
  }
  if (more.length > 0) throw new NotFound('no such route');
  const before = bound(query, 'before', '+');
  if (before.startsWith('(') || before === '-') throw new NotFound('before must be an entry ID or +');
  const page = await admin.searchDeadLetters(stream, { ...search, count: int(query, 'count', 50, 1, 1000) ?? 50, before });
  return ok({ stream, deadLetters: page.deadLetters, next: page.next, scanned: page.scanned });
};

/**
 * `/api/streams/:s/limits`: for each group of the stream, its rate-limit use (`top` busiest keys)
 * and the keys holding per-key slots. `scope` is the consumers' `limitScope` (default: the stream;
 * for a partition of a PartitionedConsumer, the partitioned stream's name). A group whose state
 * cannot be read gives its error, never hides the others.
 */
const limitsGet = async (admin: Admin, stream: string, query: URLSearchParams): Promise<RouteResult> => {
  const scopeText = text(query, 'scope');
  const scope = scopeText === undefined ? stream : readName(scopeText, 'scope');
  const top = int(query, 'top', 10, 1, 1000) ?? 10;
  const { groups } = combineLevels(await admin.snapshot(stream));
  const rows = await Promise.all(groups.map(async (g) => {
    try {
      const [rateLimit, keyConcurrency] = await Promise.all([admin.rateLimitState(scope, g.name, { top }), admin.keyConcurrency(scope, g.name)]);
      return { group: g.name, paused: g.paused, pausedUntil: g.pausedUntil, rateLimit, keyConcurrency };
    } catch (error) {
      return { group: g.name, paused: g.paused, pausedUntil: g.pausedUntil, error: errorOf(error) };
    }
  }));
  return ok({ stream, scope, groups: rows });
};

/** GET routes under `/api/streams/:s`. */
const streamGet = async (ctx: RouteContext, stream: string, rest: string[], query: URLSearchParams): Promise<RouteResult> => {
  const { admin } = ctx;
  const [what, ...more] = rest;
  if (what === undefined) {
    const snapshot = combineLevels(await admin.snapshot(stream));
    if (!snapshot.exists && snapshot.deadLetters === 0 && snapshot.delayed === 0) throw new NotFound(`no stream named ${JSON.stringify(stream)}`);
    return ok(snapshot);
  }
  if (what === 'groups') return groupGet(admin, stream, more, query);
  if (what === 'dead-letters') return deadLettersGet(admin, stream, more, query);
  if (more.length > 0) throw new NotFound('no such route');
  if (what === 'history') {
    const minutes = int(query, 'minutes', 60, 1, 24 * 60) ?? 60;
    const history = ctx.sampler.history(stream, Math.ceil((minutes * 60_000) / ctx.sampler.intervalMs));
    return ok({ stream, intervalMs: ctx.sampler.intervalMs, history });
  }
  if (what === 'delayed') {
    return ok({ stream, ...(await admin.delayed(stream, { offset: int(query, 'offset', 0, 0, 10 ** 9) ?? 0, count: int(query, 'count', 50, 1, 1000) ?? 50 })) });
  }
  if (what === 'schedules') return ok({ stream, schedules: await admin.schedules(validName(stream, 'stream')) });
  if (what === 'limits') return limitsGet(admin, stream, query);
  const count = int(query, 'count', 50, 1, 1000) ?? 50;
  const range = { start: inclusive(bound(query, 'start', '-'), 'start'), end: inclusive(bound(query, 'end', '+'), 'end'), count };
  if (what === 'entries') return ok({ stream, entries: await admin.read(stream, { ...range, reverse: flag(query, 'reverse', false) }) });
  throw new NotFound('no such route');
};

/** `/api/overview`: the sampler's latest rows, totals and server facts. */
const overview = async (ctx: RouteContext): Promise<RouteResult> => {
  const state = ctx.sampler.state;
  if (state.sampledAt === null && state.unavailableSince === null && state.error === null) await ctx.sampler.tick();
  const now = ctx.sampler.state;
  const rows = now.rows;
  const sum = (pick: (r: (typeof rows)[number]) => number | null | undefined): number => rows.reduce((s, r) => s + (pick(r) ?? 0), 0);
  const totals = {
    streams: rows.length, errors: rows.filter((r) => r.error).length, length: sum((r) => r.length), rateIn: sum((r) => r.rateIn), rateOut: sum((r) => r.rateOut),
    pending: sum((r) => r.pending), deadLetters: sum((r) => r.deadLetters), delayed: sum((r) => r.delayed), paused: sum((r) => r.paused),
  };
  return ok({
    streams: rows, totals, server: now.server, sampledAt: now.sampledAt, ageMs: now.sampledAt === null ? null : Date.now() - now.sampledAt, sampleMs: now.sampleMs, intervalMs: ctx.sampler.intervalMs,
    redis: { available: now.unavailableSince === null, since: now.unavailableSince }, error: now.error,
  });
};

/**
 * Answers `/api/...` requests from the Admin API and the sampler.
 * @throws NotFound for unknown routes, BadRequest for invalid parameters, or the Admin's errors.
 */
export const routeApi = async (ctx: RouteContext, req: RouteRequest): Promise<RouteResult> => {
  const [api, section, streamSegment, ...rest] = req.segments;
  if (api !== 'api') throw new NotFound('no such route');
  if (section === 'overview' && streamSegment === undefined && req.method === 'GET') return overview(ctx);
  if (section !== 'streams') throw new NotFound('no such route');
  if (streamSegment === undefined || streamSegment === '') {
    if (req.method !== 'GET') throw new NotFound('no such route');
    const names = [...(await ctx.admin.listStreams())].sort();
    return ok({ streams: await statsOf(ctx.admin, names) });
  }
  const name = decodeSegment(streamSegment);
  return req.method === 'POST' ? streamPost(ctx, validName(name, 'stream'), rest, req) : streamGet(ctx, readName(name, 'stream'), rest, req.query);
};
