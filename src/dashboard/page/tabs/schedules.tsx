// Schedules of a stream (Scheduler): spec, next run, last tick; remove.
import { getJson, postJson, streamPath } from '../api.js';
import { safe, time } from '../format.js';
import type { TabProps } from '../stream.js';
import type { Schedule } from '../types.js';
import { Action, ErrorLine, Text, useAction, useApp, useData } from '../ui.js';

export function SchedulesTab({ stream }: TabProps) {
  const { confirm } = useApp();
  const act = useAction();
  const { data, error, reload } = useData(() => getJson<{ schedules: Schedule[] }>(streamPath(stream, 'schedules')), [stream]);
  const schedules = data?.schedules ?? [];
  return (
    <div>
      <ErrorLine error={error} />
      <div class="table-wrap">
        <table id="schedules">
          <thead><tr><th scope="col">schedule</th><th scope="col">when</th><th scope="col">missed</th><th scope="col">next run</th><th scope="col">last tick</th><th scope="col">actions</th></tr></thead>
          <tbody>
            {schedules.length === 0 ? <tr><td colSpan={6} class="muted">{data ? 'no schedules' : 'loading…'}</td></tr> : schedules.map((s) => (
              <tr key={s.name}>
                <th scope="row" class="name"><Text value={s.name} max={60} /></th>
                <td><Text value={JSON.stringify(s.spec)} max={80} /></td>
                <td><Text value={s.missed} /></td>
                <td>{time(s.nextRunAt)}</td>
                <td>{time(s.lastTickAt)}</td>
                <td class="actions"><Action danger label={`Remove ${safe(s.name)}`} onClick={() => void (async () => {
                  if (!(await confirm(`Remove schedule ${safe(s.name).slice(0, 200)}?`, 'No scheduler sends its ticks afterwards.'))) return;
                  await act(async () => ((await postJson<{ removed: boolean }>(streamPath(stream, 'schedules', 'remove'), { name: s.name })).removed ? `Removed ${safe(s.name)}.` : 'It was gone already.'), reload);
                })()}>Remove</Action></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
