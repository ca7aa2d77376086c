import type { Admin } from '../index.js';
import type { StreamStats } from '../admin-types.js';
import { isUnavailable } from './availability.js';
import { bound, decodeSegment, flag, int, readName, selection, validName } from './params.js';

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

/** The stats of one stream, or its error row; an error saying Redis is unavailable is rethrown (the whole answer is a 503). */
const statsOrError = async (admin: Admin, stream: string): Promise<StreamRow> => {
  try {
    return await admin.stats(stream);
  } catch (error) {
    if (isUnavailable(error)) throw error;
    const { code, message } = error as { code?: unknown; message?: unknown };
    return { stream, error: { code: typeof code === 'string' ? code : 'ERR_STREAMQ', message: typeof message === 'string' ? message : 'internal error' } };
  }
};

/** Stats of many streams, a few at a time; one that cannot be read gives an error row, never hides the others. */
export const statsOf = async (admin: Admin, streams: string[]): Promise<StreamRow[]> => {
  const result: StreamRow[] = [];
  for (let at = 0; at < streams.length; at += 16) {
    result.push(...(await Promise.all(streams.slice(at, at + 16).map((s) => statsOrError(admin, s)))));
  }
  return result;
};

const ok = (json: unknown): RouteResult => ({ status: 200, json });

/** `/api/streams/:s/groups/:g/(consumers|pending)`. */
const groupRoute = async (admin: Admin, stream: string, rest: string[], query: URLSearchParams): Promise<RouteResult> => {
  const [groupSegment, what, ...extra] = rest;
  if (groupSegment === undefined || extra.length > 0) throw new NotFound('no such route');
  const group = readName(decodeSegment(groupSegment), 'group');
  if (what === 'consumers') return ok({ stream, group, consumers: await admin.consumers(stream, group) });
  if (what !== 'pending') throw new NotFound('no such route');
  const consumer = query.get('consumer');
  const minIdleMs = int(query, 'minIdleMs', undefined, 0, 10 ** 12);
  const entries = await admin.pending(stream, group, {
    count: int(query, 'count', 100, 1, 1000) ?? 100,
    start: bound(query, 'start', '-'),
    end: bound(query, 'end', '+'),
    ...(consumer !== null && consumer !== '' ? { consumer: readName(consumer, 'consumer') } : {}),
    ...(minIdleMs !== undefined ? { minIdleMs } : {}),
  });
  return ok({ stream, group, entries });
};

/** GET routes under `/api/streams/:s`. */
const streamGet = async (admin: Admin, stream: string, rest: string[], query: URLSearchParams): Promise<RouteResult> => {
  const [what, ...more] = rest;
  if (what === undefined) {
    const stats = await admin.stats(stream);
    if (!stats.exists && stats.deadLetters === 0) throw new NotFound(`no stream named ${JSON.stringify(stream)}`);
    return ok(stats);
  }
  if (what === 'groups') return groupRoute(admin, stream, more, query);
  if (more.length > 0) throw new NotFound('no such route');
  const count = int(query, 'count', 50, 1, 1000) ?? 50;
  const range = { start: bound(query, 'start', '-'), end: bound(query, 'end', '+'), count };
  if (what === 'entries') return ok({ stream, entries: await admin.read(stream, { ...range, reverse: flag(query, 'reverse', false) }) });
  if (what === 'dead-letters') return ok({ stream, deadLetters: await admin.deadLetters(stream, range) });
  throw new NotFound('no such route');
};

/** POST `/api/streams/:s/dead-letters/(replay|purge)`. */
const streamPost = async (admin: Admin, stream: string, rest: string[], req: RouteRequest): Promise<RouteResult> => {
  const [dl, action, ...more] = rest;
  if (dl !== 'dead-letters' || (action !== 'replay' && action !== 'purge') || more.length > 0) throw new NotFound('no such route');
  const which = selection(await req.body());
  if (action === 'replay') return ok({ stream, replayed: await admin.replayDeadLetters(stream, which) });
  return ok({ stream, purged: await admin.purgeDeadLetters(stream, which) });
};

/**
 * Answers `/api/...` requests from the Admin API.
 * @throws NotFound for unknown routes, BadRequest for invalid parameters, or the Admin's errors.
 */
export const routeApi = async (admin: Admin, req: RouteRequest): Promise<RouteResult> => {
  const [api, streams, streamSegment, ...rest] = req.segments;
  if (api !== 'api' || streams !== 'streams') throw new NotFound('no such route');
  if (streamSegment === undefined || streamSegment === '') {
    if (req.method !== 'GET') throw new NotFound('no such route');
    const names = [...(await admin.listStreams())].sort();
    return ok({ streams: await statsOf(admin, names) });
  }
  const name = decodeSegment(streamSegment);
  return req.method === 'POST' ? streamPost(admin, validName(name, 'stream'), rest, req) : streamGet(admin, readName(name, 'stream'), rest, req.query);
};
