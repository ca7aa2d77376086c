// The landing page: totals, Redis server facts, and every stream as a row (sortable, filterable,
// the worst first), from the server's latest sample.
import { getJson } from './api.js';
import { bytes, duration, num, rate, safe, time } from './format.js';
import { formatRoute, setParams, type Route } from './route.js';
import type { Overview, OverviewRow, ServerInfo } from './types.js';
import { ErrorLine, Text, useData } from './ui.js';

type SortKey = 'worst' | 'stream' | 'length' | 'rateIn' | 'rateOut' | 'groups' | 'pending' | 'worstLag' | 'oldestPendingMs' | 'deadLetters' | 'delayed' | 'paused';

const COLUMNS: Array<{ key: SortKey; label: string; show: (r: OverviewRow) => string }> = [
  { key: 'length', label: 'length', show: (r) => num(r.length) },
  { key: 'rateIn', label: 'in', show: (r) => rate(r.rateIn) },
  { key: 'rateOut', label: 'out', show: (r) => rate(r.rateOut) },
  { key: 'groups', label: 'groups', show: (r) => num(r.groups) },
  { key: 'pending', label: 'pending', show: (r) => num(r.pending) },
  { key: 'worstLag', label: 'worst lag', show: (r) => num(r.worstLag) },
  { key: 'oldestPendingMs', label: 'oldest pending', show: (r) => duration(r.oldestPendingMs) },
  { key: 'deadLetters', label: 'dead', show: (r) => num(r.deadLetters) },
  { key: 'delayed', label: 'delayed', show: (r) => num(r.delayed) },
  { key: 'paused', label: 'paused', show: (r) => (r.paused ? `${r.paused} group${r.paused > 1 ? 's' : ''}` : '') },
];

/** How bad a row is: errors, then the oldest stuck entry, the largest lag, dead letters. */
const badness = (r: OverviewRow): number[] => [r.error ? 1 : 0, r.oldestPendingMs ?? -1, r.worstLag ?? -1, r.deadLetters ?? 0];

const compare = (key: SortKey) => (a: OverviewRow, b: OverviewRow): number => {
  if (key === 'worst') {
    const [x, y] = [badness(a), badness(b)];
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (y[i] as number) - (x[i] as number);
    return a.stream < b.stream ? -1 : 1;
  }
  if (key === 'stream') return a.stream < b.stream ? 1 : a.stream > b.stream ? -1 : 0;
  return ((b[key] as number | null | undefined) ?? -1) - ((a[key] as number | null | undefined) ?? -1);
};

function ServerFacts({ server }: { server: ServerInfo | null }) {
  if (server === null) return null;
  const memory = server.maxMemory > 0 ? `${bytes(server.usedMemory)} of ${bytes(server.maxMemory)}` : `${bytes(server.usedMemory)} (no maxmemory)`;
  const facts: Array<[string, string]> = [
    ['Redis', server.valkeyVersion ? `Valkey ${server.valkeyVersion}` : server.version], ['role', server.role], ['memory', memory],
    ['clients', num(server.clients)], ['ops/s', num(server.opsPerSec)], ['uptime', duration(server.uptimeSec * 1000)], ['AOF', server.aof ? 'on' : 'off'],
  ];
  return <dl id="server" class="facts">{facts.map(([k, v]) => <div key={k}><dt>{k}</dt><dd>{v}</dd></div>)}</dl>;
}

/** The overview view; `route.params`: `q` (name filter), `sort`, `dir` (`asc`). */
export function OverviewView({ route }: { route: Route }) {
  const { data, error } = useData(() => getJson<Overview>('api/overview'), []);
  const q = route.params.q ?? '';
  const sort = (route.params.sort ?? 'worst') as SortKey;
  const asc = route.params.dir === 'asc';
  const rows = (data?.streams ?? []).filter((r) => q === '' || r.stream.toLowerCase().includes(q.toLowerCase()));
  rows.sort(compare(sort));
  if (asc) rows.reverse();
  const header = (key: SortKey, label: string) => (
    <th scope="col" aria-sort={sort === key ? (asc ? 'ascending' : 'descending') : 'none'}>
      <button type="button" class="sort" onClick={() => setParams(route, { sort: key, dir: sort === key && !asc ? 'asc' : undefined })}>
        {label}{sort === key ? (asc ? ' ▲' : ' ▼') : ''}
      </button>
    </th>
  );
  const t = data?.totals;
  return (
    <section id="overview" aria-label="Overview">
      <ErrorLine error={error} />
      {data?.error ? <p class="error" role="alert">⚠ Sampling failed: <Text value={`${data.error.code}: ${data.error.message}`} /></p> : null}
      {data?.sampledAt && data.redis.available && (data.ageMs ?? 0) > 3 * data.intervalMs
        ? <p class="error" role="alert">The data is stale since {time(data.sampledAt)}: sampling is slower than every {data.intervalMs / 1000} s.</p> : null}
      {t ? (
        <dl id="totals" class="facts totals">
          {([['streams', num(t.streams)], ['entries', num(t.length)], ['in', rate(t.rateIn)], ['out', rate(t.rateOut)], ['pending', num(t.pending)],
            ['dead letters', num(t.deadLetters)], ['delayed', num(t.delayed)], ['paused groups', num(t.paused)], ['unreadable', num(t.errors)]] as Array<[string, string]>)
            .map(([k, v]) => <div key={k}><dt>{k}</dt><dd>{v}</dd></div>)}
        </dl>
      ) : null}
      <ServerFacts server={data?.server ?? null} />
      <div class="controls">
        <label>Filter <input id="filter" type="search" value={q} placeholder="stream name" onInput={(e) => setParams(route, { q: (e.target as HTMLInputElement).value })} /></label>
        <button type="button" onClick={() => setParams(route, { sort: undefined, dir: undefined })} disabled={sort === 'worst'}>Worst first</button>
        <span class="muted">{data?.sampledAt ? `sampled ${time(data.sampledAt)} in ${data.sampleMs} ms, every ${data.intervalMs / 1000} s` : ''}</span>
      </div>
      <div class="table-wrap">
        <table id="streams">
          <thead><tr>{header('stream', 'stream')}{COLUMNS.map((c) => header(c.key, c.label))}</tr></thead>
          <tbody>
            {rows.length === 0 ? <tr><td colSpan={COLUMNS.length + 1} class="muted">{data ? 'no streams' : 'loading…'}</td></tr> : rows.map((r) => (
              <tr key={r.stream} class={r.error ? 'error-row' : r.paused ? 'paused-row' : undefined}>
                <th scope="row" class="name"><a href={formatRoute({ stream: r.stream, tab: 'groups', params: {} })} title={safe(r.stream)}><Text value={r.stream} max={80} /></a></th>
                {r.error ? <td colSpan={COLUMNS.length} class="error" title={safe(r.error.message)}>⚠ {safe(r.error.code)}: <Text value={r.error.message} max={100} /></td>
                  : COLUMNS.map((c) => <td key={c.key} class="num">{c.show(r)}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
