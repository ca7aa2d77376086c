import type { Command } from 'commander';
import type { KeyConcurrencyState, RateLimitState } from '../../index.js';
import { contextOf, requireGroup, withAdmin } from '../context.js';
import { formatDuration, renderTable, sanitize } from '../format.js';
import { duration, intFrom } from '../options.js';
import { printJson, type Output } from '../output.js';

/** Options of `groups pause`. */
interface PauseFlags {
  for?: number;
}

/** Options of `groups limits`. */
interface LimitsFlags {
  top: number;
}

/** Prints the rate limits' use and the running per-key slots of a group. */
const printLimits = (out: Output, rate: RateLimitState, keys: KeyConcurrencyState): void => {
  const { group, perKey } = rate;
  out.line(group === null ? 'group rate limit: none' : `group rate limit: ${group.used} of ${group.max} starts used in the last ${formatDuration(group.perMs)}`);
  if (perKey === null) out.line('per-key rate limit: none');
  else {
    out.line(`per-key rate limit: ${perKey.max} starts per ${formatDuration(perKey.perMs)} per key; ${perKey.activeKeys} key${perKey.activeKeys === 1 ? '' : 's'} with starts in their window`);
    if (perKey.top.length > 0) out.line(renderTable(['key', 'used'], perKey.top.map((k) => [k.key, `${k.used}/${perKey.max}`])));
  }
  out.line('');
  out.line(keys.limit === null ? 'per-key concurrency: none' : `per-key concurrency: ${keys.limit} handler${keys.limit === 1 ? '' : 's'} per key`);
  const rows = keys.keys.flatMap((k) => k.holders.map((h) => [k.key, h.id, h.consumer, h.stream, formatDuration(h.expiresInMs)]));
  if (rows.length > 0) out.line(renderTable(['key', 'entry', 'consumer', 'stream', 'expires in'], rows));
};

/** Registers `groups pause`, `groups resume` and `groups limits`. */
export const registerGateCommands = (groups: Command): void => {
  groups
    .command('pause')
    .description('pause a group in every process: no new handler starts (running ones finish); until resumed, or for --for')
    .argument('<stream>', 'the stream')
    .argument('<group>', 'the group')
    .option('--for <duration>', 'how long: milliseconds, or 30s, 5m, 1h (default: until `groups resume`)', duration)
    .action(async (stream: string, group: string, flags: PauseFlags, command: Command) => {
      const ctx = contextOf(command);
      const forMs = flags.for;
      const pausedUntil = await withAdmin(ctx, async (admin) => {
        await requireGroup(admin, stream, group);
        await admin.pause(stream, group, forMs === undefined ? {} : { forMs });
        return (await admin.stats(stream)).groups.find((g) => g.name === group)?.pausedUntil ?? null;
      });
      if (ctx.json) return printJson(ctx.out, { stream, group, paused: true, forMs: forMs ?? null, pausedUntil });
      const how = pausedUntil === null ? 'until resumed' : `until ${pausedUntil.toISOString()}`;
      ctx.out.line(`paused group ${sanitize(group)} of ${sanitize(stream)} ${how}: its consumers start no new handler within their pausePollMs (250 ms by default)`);
    });
  groups
    .command('resume')
    .description('resume a paused group')
    .argument('<stream>', 'the stream')
    .argument('<group>', 'the group')
    .action(async (stream: string, group: string, _flags: object, command: Command) => {
      const ctx = contextOf(command);
      const resumed = await withAdmin(ctx, async (admin) => {
        await requireGroup(admin, stream, group);
        return admin.resume(stream, group);
      });
      if (ctx.json) return printJson(ctx.out, { stream, group, resumed });
      ctx.out.line(resumed ? `resumed group ${sanitize(group)} of ${sanitize(stream)}` : `group ${sanitize(group)} of ${sanitize(stream)} was not paused`);
    });
  groups
    .command('limits')
    .description("show a group's rate-limit use and the keys running under perKeyConcurrency (for a partitioned stream, give its name)")
    .argument('<stream>', "the stream (the consumers' limitScope)")
    .argument('<group>', 'the group')
    .option('--top <n>', 'how many of the busiest keys to list', intFrom(1, 1000), 10)
    .action(async (stream: string, group: string, flags: LimitsFlags, command: Command) => {
      const ctx = contextOf(command);
      const [rateLimit, keyConcurrency] = await withAdmin(ctx, (admin) => Promise.all([
        admin.rateLimitState(stream, group, { top: flags.top }),
        admin.keyConcurrency(stream, group),
      ]));
      if (ctx.json) return printJson(ctx.out, { stream, group, rateLimit, keyConcurrency });
      printLimits(ctx.out, rateLimit, keyConcurrency);
    });
};
