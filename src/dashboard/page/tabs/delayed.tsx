// Delayed messages: due time, payload; cancel or run now.
import { getJson, postJson, streamPath, withQuery } from '../api.js';
import { duration, num, time } from '../format.js';
import { setParams } from '../route.js';
import type { TabProps } from '../stream.js';
import type { DelayedMessage } from '../types.js';
import { Action, ErrorLine, Pager, Payload, Text, useAction, useApp, useData } from '../ui.js';

const PAGE = 25;

export function DelayedTab({ stream, route, reload }: TabProps) {
  const { confirm } = useApp();
  const act = useAction();
  const offset = Number(route.params.offset ?? '0') || 0;
  const { data, error, reload: again } = useData(() => getJson<{ total: number; messages: DelayedMessage[] }>(withQuery(streamPath(stream, 'delayed'), { offset, count: PAGE })), [stream, offset]);
  const messages = data?.messages ?? [];
  const done = (): void => { again(); reload(); };
  return (
    <div>
      <p class="muted">{data ? `${num(data.total)} waiting, soonest due first` : ''}</p>
      <ErrorLine error={error} />
      <ol id="delayed" class="entries">
        {messages.length === 0 ? <li class="muted">{data ? 'no delayed messages' : 'loading…'}</li> : messages.map((m) => (
          <li key={m.id}>
            <div class="entry-head">
              <span class="mono"><Text value={m.id} max={60} /></span>{' '}
              <span>due {time(m.dueAt)} ({Date.parse(m.dueAt) > Date.now() ? `in ${duration(Date.parse(m.dueAt) - Date.now())}` : 'now'})</span>
              <span class="actions">
                <Action label={`Run ${m.id} now`} onClick={() => void (async () => {
                  if (!(await confirm('Deliver this message now?', 'It is appended to the stream at once.'))) return;
                  await act(async () => ((await postJson<{ ran: boolean }>(streamPath(stream, 'delayed', 'run'), { id: m.id })).ran ? 'Appended to the stream now.' : 'It was no longer waiting.'), done);
                })()}>Run now</Action>
                <Action danger label={`Cancel ${m.id}`} onClick={() => void (async () => {
                  if (!(await confirm('Cancel this delayed message?', 'It is deleted and never delivered.'))) return;
                  await act(async () => ((await postJson<{ cancelled: boolean }>(streamPath(stream, 'delayed', 'cancel'), { id: m.id })).cancelled ? 'Cancelled.' : 'It was no longer waiting.'), done);
                })()}>Cancel</Action>
              </span>
            </div>
            <Payload fields={m.fields} />
          </li>
        ))}
      </ol>
      <Pager label="Delayed" firstLabel="Soonest" hasOlder={data !== undefined && offset + PAGE < data.total} onNewest={offset > 0 ? () => setParams(route, { offset: undefined }) : undefined}
        onOlder={() => setParams(route, { offset: String(offset + PAGE) })} />
    </div>
  );
}
