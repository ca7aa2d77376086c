/**
 * The dashboard's writes (POST under `/api/streams/:s/…`), each one Admin (or Producer) call.
 * The server has checked the token and the origin before any of these runs.
 */
import type { Headers } from '../index.js';
import { BadRequest, bodyIds, bodyInt, bodyString, decodeSegment, objectBody, selection, validName } from './params.js';
import type { RouteContext, RouteRequest, RouteResult } from './routes.js';
import { NotFound } from './routes.js';

const ok = (json: unknown): RouteResult => ({ status: 200, json });

/** Headers of a published message: an object of string values. */
const headersOf = (value: unknown): Headers | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw new BadRequest('"headers" must be an object of string values');
  }
  return value as Headers;
};

/** POST `/api/streams/:s/groups/:g/…`: delete, reset, pause, resume, prune, consumer deletion, pending-entry actions. */
const groupPost = async (ctx: RouteContext, stream: string, group: string, rest: string[], body: Record<string, unknown>): Promise<RouteResult> => {
  const { admin } = ctx;
  const [what, arg, action, ...extra] = rest;
  if (extra.length > 0) throw new NotFound('no such route');
  if (arg === undefined) {
    switch (what) {
      case 'delete': return ok({ deleted: await admin.deleteGroup(stream, group) });
      case 'reset': return ok({ reset: await admin.resetGroup(stream, group, bodyString(body, 'id', { max: 50 }) as string).then(() => true) });
      case 'pause': {
        const forMs = bodyInt(body, 'forMs', 1, 365 * 24 * 3600 * 1000);
        await admin.pause(stream, group, forMs === undefined ? {} : { forMs });
        return ok({ paused: true });
      }
      case 'resume': return ok({ resumed: await admin.resume(stream, group) });
      case 'prune': return ok({ pruned: await admin.pruneConsumers(stream, group, { idleMs: bodyInt(body, 'idleMs', 0, 10 ** 12) ?? 0 }) });
      default: throw new NotFound('no such route');
    }
  }
  if (what === 'consumers' && action === 'delete') {
    const consumer = decodeSegment(arg);
    return ok(await admin.deleteConsumer(stream, group, consumer, { force: body.force === true }));
  }
  if (what !== 'pending' || action !== undefined) throw new NotFound('no such route');
  const ids = bodyIds(body);
  if (arg === 'claim') return ok({ claimed: await admin.claim(stream, group, ids, bodyString(body, 'consumer') as string) });
  if (arg === 'ack') return ok({ acked: await admin.ack(stream, group, ids) });
  if (arg === 'dead-letter') {
    const reason = bodyString(body, 'reason', { optional: true, max: 10_000 });
    const outcomes: Record<string, string> = {};
    for (const id of ids.slice(0, 1000)) outcomes[id] = await admin.deadLetterEntry(stream, group, id, reason === undefined ? {} : { reason });
    return ok({ moved: Object.values(outcomes).filter((o) => o === 'moved').length, outcomes });
  }
  throw new NotFound('no such route');
};

/**
 * POST routes under `/api/streams/:s`: dead letters (replay, purge), groups (create and the
 * group routes), delayed messages (cancel, run now), schedules (remove), publish.
 */
export const streamPost = async (ctx: RouteContext, stream: string, rest: string[], req: RouteRequest): Promise<RouteResult> => {
  const { admin } = ctx;
  const [what, second, ...more] = rest;
  if (what === 'dead-letters' && (second === 'replay' || second === 'purge') && more.length === 0) {
    const which = selection(await req.body());
    if (second === 'replay') return ok({ stream, replayed: await admin.replayDeadLetters(stream, which) });
    return ok({ stream, purged: await admin.purgeDeadLetters(stream, which) });
  }
  const body = objectBody(await req.body());
  if (what === 'groups' && second === undefined) {
    const group = validName(bodyString(body, 'group') as string, 'group');
    const created = await admin.createGroup(stream, group, { startAt: bodyString(body, 'startAt', { optional: true, max: 50 }) ?? '0' });
    ctx.sampler.relist();
    return ok({ stream, group, created });
  }
  if (what === 'groups' && second !== undefined) return groupPost(ctx, stream, validName(decodeSegment(second), 'group'), more, body);
  if (more.length > 0) throw new NotFound('no such route');
  if (what === 'delayed' && second === 'cancel') return ok({ cancelled: await admin.cancelDelayed(stream, bodyString(body, 'id', { max: 200 }) as string) });
  if (what === 'delayed' && second === 'run') return ok({ ran: await admin.runDelayedNow(stream, bodyString(body, 'id', { max: 200 }) as string) });
  if (what === 'schedules' && second === 'remove') return ok({ removed: await admin.removeSchedule(stream, bodyString(body, 'name') as string) });
  if (what === 'publish' && second === undefined) {
    if (ctx.publisher === null) throw new BadRequest('publishing needs the dashboard\'s `redis` option (streamq dashboard has it)', 'publish_unavailable');
    if (!('data' in body)) throw new BadRequest('"data" is required (any JSON value)');
    const delayMs = bodyInt(body, 'delayMs', 0, 365 * 24 * 3600 * 1000);
    const headers = headersOf(body.headers);
    const id = await ctx.publisher.send(stream, body.data, { ...(headers ? { headers } : {}), ...(delayMs ? { delayMs } : {}) });
    ctx.sampler.relist();
    return ok({ stream, id });
  }
  throw new NotFound('no such route');
};
