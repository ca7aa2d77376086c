// Dead letters, newest first, paged; search by reason text and original ID; replay or purge the
// selected ones or every match (the count is in the confirmation).
import { useState } from 'preact/hooks';
import { getJson, postJson, streamPath, withQuery } from '../api.js';
import { num, time } from '../format.js';
import { setParams } from '../route.js';
import type { TabProps } from '../stream.js';
import type { DeadLetter } from '../types.js';
import { Action, ErrorLine, Pager, Payload, Text, useAction, useApp, useData } from '../ui.js';
import { toggle } from './common.js';

const PAGE = 25;

export function DeadLettersTab({ stream, snapshot, route, reload }: TabProps) {
  const { confirm } = useApp();
  const act = useAction();
  const { reason = '', originalId = '', before = '' } = route.params;
  const [form, setForm] = useState({ reason, originalId });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const { data, error, reload: again } = useData(() => getJson<{ deadLetters: DeadLetter[]; next: string | null; scanned: number }>(
    withQuery(streamPath(stream, 'dead-letters'), { count: PAGE, before, reason, originalId })), [stream, before, reason, originalId]);
  const letters = data?.deadLetters ?? [];
  const ids = [...selected].filter((id) => letters.some((l) => l.id === id));
  const filtered = reason !== '' || originalId !== '';
  const done = (): void => { setSelected(new Set()); again(); reload(); };
  const apply = async (action: 'replay' | 'purge', which: 'selected' | 'matching'): Promise<void> => {
    let body: { ids: string[] } | { all: true };
    let count: number;
    if (which === 'selected') {
      if (ids.length === 0) return;
      body = { ids };
      count = ids.length;
    } else if (filtered) {
      const matching = await getJson<{ ids: string[]; complete: boolean }>(withQuery(streamPath(stream, 'dead-letters', 'matching'), { reason, originalId }));
      if (matching.ids.length === 0) return void act(async () => 'No dead letter matches.');
      body = { ids: matching.ids };
      count = matching.ids.length;
    } else {
      body = { all: true };
      count = snapshot.deadLetters;
    }
    const verb = action === 'replay' ? 'Replay' : 'Purge';
    const detail = action === 'replay' ? 'They are appended to the stream again as new entries: every group sees them.' : 'They are deleted for good.';
    if (!(await confirm(`${verb} ${num(count)} dead letter${count === 1 ? '' : 's'}${which === 'matching' && filtered ? ' matching the search' : ''}?`, detail))) return;
    await act(async () => {
      const r = await postJson<{ replayed?: number; purged?: number }>(streamPath(stream, 'dead-letters', action), body);
      const n = r.replayed ?? r.purged ?? 0;
      return `${action === 'replay' ? 'Replayed' : 'Purged'} ${num(n)} dead letter${n === 1 ? '' : 's'}.`;
    }, done);
  };
  return (
    <div>
      <form class="controls" id="dl-search" onSubmit={(e) => { e.preventDefault(); setParams(route, { reason: form.reason, originalId: form.originalId, before: undefined }); }}>
        <label>Reason contains <input id="dl-reason" type="search" value={form.reason} onInput={(e) => setForm({ ...form, reason: (e.target as HTMLInputElement).value })} /></label>
        <label>Original ID <input id="dl-original" type="search" value={form.originalId} placeholder="1700000000000-0" onInput={(e) => setForm({ ...form, originalId: (e.target as HTMLInputElement).value })} /></label>
        <button type="submit">Search</button>
        {filtered ? <button type="button" onClick={() => { setForm({ reason: '', originalId: '' }); setParams(route, { reason: undefined, originalId: undefined, before: undefined }); }}>Clear</button> : null}
      </form>
      <div class="controls">
        <Action label="Replay selected" onClick={() => void apply('replay', 'selected')}>Replay selected</Action>
        <Action label="Replay all matching" onClick={() => void apply('replay', 'matching')}>{filtered ? 'Replay all matching' : 'Replay all'}</Action>
        <Action danger label="Purge selected" onClick={() => void apply('purge', 'selected')}>Purge selected</Action>
        <Action danger label="Purge all matching" onClick={() => void apply('purge', 'matching')}>{filtered ? 'Purge all matching' : 'Purge all'}</Action>
        <span class="muted">{ids.length} selected · {num(snapshot.deadLetters)} in all</span>
      </div>
      <ErrorLine error={error} />
      <ol id="dead-letters" class="entries">
        {letters.length === 0 ? <li class="muted">{data ? (filtered ? 'no match' : 'no dead letters') : 'loading…'}</li> : letters.map((l) => (
          <li key={l.id}>
            <div class="entry-head">
              <input type="checkbox" aria-label={`Select ${l.id}`} checked={selected.has(l.id)} onChange={(e) => setSelected(toggle(selected, l.id, (e.target as HTMLInputElement).checked))} />
              <span class="mono">{l.id}</span> <span class="muted">{time(l.failedAt)}</span>
            </div>
            <dl class="meta">
              <div><dt>reason</dt><dd class="reason"><Text value={l.reason ?? '–'} max={300} /></dd></div>
              <div><dt>original ID</dt><dd class="mono">{l.originalId ?? '–'}</dd></div>
              <div><dt>group</dt><dd><Text value={l.group ?? '–'} max={60} /></dd></div>
              <div><dt>consumer</dt><dd><Text value={l.consumer ?? '–'} max={60} /></dd></div>
              <div><dt>deliveries</dt><dd>{num(l.deliveries)}</dd></div>
              {l.priority === null ? null : <div><dt>level</dt><dd class="level"><Text value={l.priority} max={60} /></dd></div>}
            </dl>
            <Payload fields={l.fields} />
          </li>
        ))}
      </ol>
      <Pager label="Dead letters" hasOlder={data?.next != null} onNewest={before ? () => setParams(route, { before: undefined }) : undefined}
        onOlder={() => setParams(route, { before: data?.next ?? undefined })} />
    </div>
  );
}
