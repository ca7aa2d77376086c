// Pending entries of a group: filter by consumer and idle time, paged; claim to another consumer,
// ack, or dead-letter the selected ones (with confirmation).
import { useState } from 'preact/hooks';
import { getJson, postJson, streamPath, withQuery } from '../api.js';
import { duration, idTime, num, safe } from '../format.js';
import { setParams } from '../route.js';
import type { TabProps } from '../stream.js';
import type { Consumer, PendingEntry } from '../types.js';
import { Action, ErrorLine, Pager, Text, useAction, useApp, useData } from '../ui.js';
import { GroupPicker, groupOf, toggle } from './common.js';

const PAGE = 50;

export function PendingTab({ stream, snapshot, route, reload }: TabProps) {
  const { confirm } = useApp();
  const act = useAction();
  const group = groupOf(snapshot, route);
  const { consumer = '', idle = '', start = '' } = route.params;
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [target, setTarget] = useState('');
  const [reason, setReason] = useState('dead-lettered by an operator');
  const consumers = useData(() => (group === undefined ? Promise.resolve({ consumers: [] as Consumer[] }) : getJson<{ consumers: Consumer[] }>(streamPath(stream, 'groups', group, 'consumers'))), [stream, group]);
  const { data, error, reload: again } = useData(() => (group === undefined ? Promise.resolve({ entries: [] as PendingEntry[] }) : getJson<{ entries: PendingEntry[] }>(
    withQuery(streamPath(stream, 'groups', group, 'pending'), { count: PAGE, consumer, minIdleMs: idle === '' ? undefined : Math.round(Number(idle) * 1000), start }))), [stream, group, consumer, idle, start]);
  const entries = data?.entries ?? [];
  const ids = [...selected].filter((id) => entries.some((e) => e.id === id));
  const done = (): void => { setSelected(new Set()); again(); reload(); };
  const path = (action: string): string => streamPath(stream, 'groups', group as string, 'pending', action);
  const run = async (title: string, detail: string, work: () => Promise<string>): Promise<void> => {
    if (ids.length === 0) return;
    if (!(await confirm(title, detail))) return;
    await act(work, done);
  };
  return (
    <div>
      <form class="controls" onSubmit={(e) => e.preventDefault()}>
        <GroupPicker snapshot={snapshot} route={route} group={group} />
        <label>Consumer <select id="pending-consumer" value={consumer} onChange={(e) => setParams(route, { consumer: (e.target as HTMLSelectElement).value, start: undefined })}>
          <option value="">all</option>
          {(consumers.data?.consumers ?? []).map((c) => <option key={c.name} value={c.name}>{safe(c.name).slice(0, 80)} ({c.pending})</option>)}
        </select></label>
        <label>Idle at least <input id="pending-idle" type="number" min="0" step="1" value={idle} placeholder="0" onChange={(e) => setParams(route, { idle: (e.target as HTMLInputElement).value, start: undefined })} /> s</label>
      </form>
      <ErrorLine error={error} />
      <div class="controls">
        <label>Claim to <input id="claim-to" value={target} placeholder="consumer name" list="consumer-names" onInput={(e) => setTarget((e.target as HTMLInputElement).value)} /></label>
        <datalist id="consumer-names">{(consumers.data?.consumers ?? []).map((c) => <option key={c.name} value={c.name} />)}</datalist>
        <Action label="Claim selected" onClick={() => void (target === '' ? undefined : run(`Claim ${ids.length} entries to ${safe(target).slice(0, 200)}?`, 'They keep their delivery count; the new owner must handle them.',
          async () => `Claimed ${(await postJson<{ claimed: string[] }>(path('claim'), { ids, consumer: target })).claimed.length} to ${safe(target)}.`))}>Claim</Action>
        <Action label="Acknowledge selected" onClick={() => void run(`Acknowledge ${ids.length} entries?`, 'They leave the pending list without being handled.',
          async () => `Acknowledged ${(await postJson<{ acked: number }>(path('ack'), { ids })).acked}.`)}>Ack</Action>
        <label>Reason <input id="dead-reason" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} /></label>
        <Action danger label="Dead-letter selected" onClick={() => void run(`Dead-letter ${ids.length} entries?`, `They move to the dead letters with the reason "${safe(reason).slice(0, 200)}" and are acknowledged.`,
          async () => `Dead-lettered ${(await postJson<{ moved: number }>(path('dead-letter'), { ids, reason })).moved}.`)}>Dead-letter</Action>
        <span class="muted">{ids.length} selected</span>
      </div>
      <div class="table-wrap">
        <table id="pending">
          <thead><tr><th scope="col"><input type="checkbox" aria-label="Select all" checked={entries.length > 0 && ids.length === entries.length} onChange={(e) => setSelected((e.target as HTMLInputElement).checked ? new Set(entries.map((x) => x.id)) : new Set())} /></th>
            <th scope="col">ID</th><th scope="col">added</th><th scope="col">consumer</th><th scope="col">idle</th><th scope="col">deliveries</th></tr></thead>
          <tbody>
            {entries.length === 0 ? <tr><td colSpan={6} class="muted">{data ? 'nothing pending' : 'loading…'}</td></tr> : entries.map((p) => (
              <tr key={p.id}>
                <td><input type="checkbox" aria-label={`Select ${p.id}`} checked={selected.has(p.id)} onChange={(e) => setSelected(toggle(selected, p.id, (e.target as HTMLInputElement).checked))} /></td>
                <td class="mono">{p.id}</td><td>{idTime(p.id)}</td><td class="name"><Text value={p.consumer} max={60} /></td>
                <td class="num">{duration(p.idleMs)}</td><td class="num">{num(p.deliveries)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager label="Pending" firstLabel="First page" hasOlder={entries.length === PAGE} onNewest={start ? () => setParams(route, { start: undefined }) : undefined}
        onOlder={() => setParams(route, { start: `(${entries[entries.length - 1]?.id ?? ''}` })} />
    </div>
  );
}
