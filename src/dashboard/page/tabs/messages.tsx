// Messages of a stream, newest first, paged; jump to an ID or a time; payload pretty-printed and
// collapsible, headers shown.
import { useState } from 'preact/hooks';
import { getJson, streamPath, withQuery } from '../api.js';
import { idTime } from '../format.js';
import { setParams } from '../route.js';
import type { TabProps } from '../stream.js';
import type { Entry } from '../types.js';
import { ErrorLine, Pager, Payload, useData } from '../ui.js';

const PAGE = 25;

/** An entry ID, or a date/time (local) as the milliseconds ID bound; `null` when neither. */
const boundOf = (text: string): string | null => {
  const value = text.trim();
  if (/^\d+(-\d+)?$/.test(value)) return value;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : String(ms);
};

export function MessagesTab({ stream, route }: TabProps) {
  const end = route.params.end ?? '';
  const [jump, setJump] = useState('');
  const [bad, setBad] = useState(false);
  const { data, error } = useData(() => getJson<{ entries: Entry[] }>(withQuery(streamPath(stream, 'entries'), { reverse: true, count: PAGE, end })), [stream, end]);
  const entries = data?.entries ?? [];
  return (
    <div>
      <form class="controls" id="jump" onSubmit={(e) => {
        e.preventDefault();
        const bound = boundOf(jump);
        setBad(bound === null);
        if (bound !== null) setParams(route, { end: bound });
      }}>
        <label>Jump to ID or time <input id="jump-to" value={jump} placeholder="1700000000000-0 or 2026-11-30 03:12" aria-invalid={bad} onInput={(e) => setJump((e.target as HTMLInputElement).value)} /></label>
        <button type="submit">Go</button>
        {bad ? <span class="error">not an entry ID or a date</span> : null}
      </form>
      <ErrorLine error={error} />
      <ol id="entries" class="entries">
        {entries.length === 0 ? <li class="muted">{data ? 'no messages here' : 'loading…'}</li> : entries.map((entry) => (
          <li key={entry.id}>
            <div class="entry-head"><span class="mono">{entry.id}</span> <span class="muted">{idTime(entry.id)}</span></div>
            <Payload fields={entry.fields} />
          </li>
        ))}
      </ol>
      <Pager label="Messages" hasOlder={entries.length === PAGE} onNewest={end ? () => setParams(route, { end: undefined }) : undefined}
        onOlder={() => setParams(route, { end: `(${entries[entries.length - 1]?.id ?? ''}` })} />
    </div>
  );
}
