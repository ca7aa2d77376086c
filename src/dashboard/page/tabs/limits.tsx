// Rate limits and per-key concurrency of each group: the limits its consumers configured, the use
// of the current window (the group's, and the busiest keys'), and the keys with running handlers
// (who holds each slot, for how long yet). `?scope=` reads another limitScope (a partitioned stream).
import { useState } from 'preact/hooks';
import { getJson, streamPath, withQuery } from '../api.js';
import { duration, num, safe, time } from '../format.js';
import { setParams } from '../route.js';
import type { TabProps } from '../stream.js';
import type { GroupLimits, KeyConcurrencyState, RateLimitState } from '../types.js';
import { ErrorLine, Text, useData } from '../ui.js';

/** The partitioned stream a partition (`orders:3`) may belong to, or undefined. */
const partitionedName = (stream: string): string | undefined => /^(.+):\d+$/s.exec(stream)?.[1];

const plural = (n: number, one: string, many = `${one}s`): string => `${num(n)} ${n === 1 ? one : many}`;

function RateUse({ rate }: { rate: RateLimitState }) {
  const { group, perKey } = rate;
  return (
    <div class="limits-rate">
      {group === null ? <p class="muted">Group rate limit: none.</p> : (
        <p class="group-rate">Group rate limit: <strong>{num(group.used)} of {num(group.max)}</strong> starts used in the last {duration(group.perMs)}{' '}
          <meter min={0} max={group.max} high={group.max * 0.9} value={group.used} aria-label="group window use" /></p>
      )}
      {perKey === null ? <p class="muted">Per-key rate limit: none.</p> : (
        <div>
          <p>Per-key rate limit: {num(perKey.max)} starts per {duration(perKey.perMs)} for each key; {plural(perKey.activeKeys, 'key')} with starts in their window.</p>
          {perKey.top.length === 0 ? null : (
            <div class="table-wrap">
              <table class="rate-keys">
                <thead><tr><th scope="col">key (busiest first)</th><th scope="col">starts in its window</th></tr></thead>
                <tbody>{perKey.top.map((k, i) => (
                  <tr key={i}><th scope="row" class="name"><Text value={k.key} max={80} /></th><td class="num">{num(k.used)} / {num(perKey.max)}</td></tr>
                ))}</tbody>
              </table>
            </div>
          )}
        </div>
      )}
    </div>
  );
}

function KeySlots({ slots }: { slots: KeyConcurrencyState }) {
  if (slots.limit === null && slots.keys.length === 0) return <p class="muted">Per-key concurrency: none.</p>;
  const rows = slots.keys.flatMap((k) => k.holders.map((h) => ({ key: k.key, ...h })));
  return (
    <div class="limits-slots">
      <p>Per-key concurrency: {slots.limit === null ? 'not configured now' : `at most ${plural(slots.limit, 'handler')} per key`}; {plural(slots.keys.length, 'key')} with running handlers.</p>
      {rows.length === 0 ? null : (
        <div class="table-wrap">
          <table class="key-slots">
            <thead><tr><th scope="col">key</th><th scope="col">entry</th><th scope="col">consumer</th><th scope="col">stream</th><th scope="col">slot expires in</th></tr></thead>
            <tbody>{rows.map((r, i) => (
              <tr key={i}>
                <th scope="row" class="name"><Text value={r.key} max={80} /></th>
                <td class="mono"><Text value={r.id} max={40} /></td>
                <td class="name"><Text value={r.consumer} max={60} /></td>
                <td class="name"><Text value={r.stream} max={60} /></td>
                <td class="num">{duration(Math.max(0, r.expiresInMs))}</td>
              </tr>
            ))}</tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function GroupSection({ row }: { row: GroupLimits }) {
  const none = row.rateLimit !== undefined && row.keyConcurrency !== undefined && row.rateLimit.group === null && row.rateLimit.perKey === null
    && row.keyConcurrency.limit === null && row.keyConcurrency.keys.length === 0;
  return (
    <section class="limits-group" aria-label={`Limits of group ${safe(row.group).slice(0, 200)}`}>
      <h3 class="name"><Text value={row.group} max={80} />{row.paused ? <span class="badge paused"> paused{row.pausedUntil ? ` until ${time(row.pausedUntil)}` : ''}</span> : null}</h3>
      {row.error ? <p class="error">⚠ <Text value={`${row.error.code}: ${row.error.message}`} /></p>
        : none ? <p class="muted none">No rate limit and no per-key concurrency configured (by a consumer of this group in the last day).</p>
          : <>{row.rateLimit ? <RateUse rate={row.rateLimit} /> : null}{row.keyConcurrency ? <KeySlots slots={row.keyConcurrency} /> : null}</>}
    </section>
  );
}

export function LimitsTab({ stream, route }: TabProps) {
  const scope = route.params.scope ?? '';
  const [form, setForm] = useState(scope);
  const { data, error } = useData(() => getJson<{ scope: string; groups: GroupLimits[] }>(withQuery(streamPath(stream, 'limits'), { scope })), [stream, scope]);
  const partitioned = partitionedName(stream);
  return (
    <div id="limits">
      <form class="controls" id="limits-scope" onSubmit={(e) => { e.preventDefault(); setParams(route, { scope: form.trim() === '' ? undefined : form.trim() }); }}>
        <label>Limit scope <input id="limits-scope-name" value={form} placeholder={safe(stream).slice(0, 80)} onInput={(e) => setForm((e.target as HTMLInputElement).value)} /></label>
        <button type="submit">Show</button>
        {partitioned !== undefined && scope === '' ? (
          <button type="button" class="link" onClick={() => { setForm(partitioned); setParams(route, { scope: partitioned }); }}>
            a partition? show the limits of {safe(partitioned).slice(0, 80)}
          </button>
        ) : null}
        <span class="muted">the consumers' <code>limitScope</code>: the stream, or a partitioned stream's name</span>
      </form>
      <ErrorLine error={error} />
      {data === undefined ? <p class="muted">loading…</p>
        : data.groups.length === 0 ? <p class="muted">This stream has no consumer groups.</p>
          : data.groups.map((row, i) => <GroupSection key={i} row={row} />)}
    </div>
  );
}
