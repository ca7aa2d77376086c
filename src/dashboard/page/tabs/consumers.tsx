// Consumers of a group: pending, idle, inactive; delete a dead one; prune those idle longer than…
import { useState } from 'preact/hooks';
import { getJson, postJson, streamPath } from '../api.js';
import { duration, num, safe } from '../format.js';
import type { TabProps } from '../stream.js';
import type { Consumer } from '../types.js';
import { Action, ErrorLine, Text, useAction, useApp, useData } from '../ui.js';
import { GroupPicker, groupOf } from './common.js';

export function ConsumersTab({ stream, snapshot, route, reload }: TabProps) {
  const { confirm } = useApp();
  const act = useAction();
  const group = groupOf(snapshot, route);
  const [minutes, setMinutes] = useState('60');
  const { data, error, reload: again } = useData(
    () => (group === undefined ? Promise.resolve({ consumers: [] as Consumer[] }) : getJson<{ consumers: Consumer[] }>(streamPath(stream, 'groups', group, 'consumers'))), [stream, group]);
  const done = (): void => { again(); reload(); };
  return (
    <div>
      <div class="controls"><GroupPicker snapshot={snapshot} route={route} group={group} /></div>
      <ErrorLine error={error} />
      <div class="table-wrap">
        <table id="consumers">
          <thead><tr><th scope="col">consumer</th><th scope="col">pending</th><th scope="col">idle</th><th scope="col">inactive</th><th scope="col">actions</th></tr></thead>
          <tbody>
            {(data?.consumers ?? []).length === 0 ? <tr><td colSpan={5} class="muted">{data ? 'no consumers' : 'loading…'}</td></tr> : data?.consumers.map((c) => (
              <tr key={c.name}>
                <th scope="row" class="name"><Text value={c.name} max={60} /></th>
                <td class="num">{num(c.pending)}</td>
                <td class="num">{duration(c.idleMs)}</td>
                <td class="num">{duration(c.inactiveMs)}</td>
                <td class="actions">
                  <Action danger label={`Delete consumer ${safe(c.name)}`} onClick={() => void (async () => {
                    const detail = c.pending > 0 ? `It holds ${num(c.pending)} pending entries: they leave the group's pending list and are never delivered again. Claim them to another consumer first to keep them.` : 'It holds no pending entries.';
                    if (!(await confirm(`Delete consumer ${safe(c.name).slice(0, 200)}?`, detail))) return;
                    await act(async () => {
                      const r = await postJson<{ deleted: boolean }>(streamPath(stream, 'groups', group as string, 'consumers', c.name, 'delete'), { force: c.pending > 0 });
                      return r.deleted ? `Deleted consumer ${safe(c.name)}.` : `Consumer ${safe(c.name)} was not deleted.`;
                    }, done);
                  })()}>Delete</Action>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form class="controls" id="prune" onSubmit={(e) => {
        e.preventDefault();
        void (async () => {
          if (group === undefined) return;
          if (!(await confirm(`Delete every consumer of ${safe(group).slice(0, 200)} idle for more than ${minutes} min with nothing pending?`))) return;
          await act(async () => {
            const r = await postJson<{ pruned: string[] }>(streamPath(stream, 'groups', group, 'prune'), { idleMs: Math.round(Number(minutes) * 60_000) });
            return `Pruned ${r.pruned.length} consumer${r.pruned.length === 1 ? '' : 's'}.`;
          }, done);
        })();
      }}>
        <strong>Prune</strong>
        <label>idle longer than <input id="prune-minutes" type="number" min="0" step="1" value={minutes} onInput={(e) => setMinutes((e.target as HTMLInputElement).value)} /> min</label>
        <Action onClick={() => (document.getElementById('prune') as HTMLFormElement | null)?.requestSubmit()}>Prune idle consumers</Action>
      </form>
    </div>
  );
}
