// Groups: consumers, pending, lag, entries read, oldest pending, paused; create, delete, reset position, pause and resume.
import { useState } from 'preact/hooks';
import { postJson, streamPath } from '../api.js';
import { duration, num, safe, time } from '../format.js';
import { formatRoute } from '../route.js';
import type { TabProps } from '../stream.js';
import { Action, Text, useAction, useApp } from '../ui.js';

export function GroupsTab({ stream, snapshot, reload }: TabProps) {
  const { confirm } = useApp();
  const act = useAction();
  const [name, setName] = useState('');
  const [startAt, setStartAt] = useState('$');
  const [resetGroup, setResetGroup] = useState('');
  const [resetId, setResetId] = useState('0');
  const now = Date.parse(snapshot.at);
  const groupPath = (group: string, action: string): string => streamPath(stream, 'groups', group, action);
  return (
    <div>
      {snapshot.priorities ? <p class="muted" id="groups-levels">Pending, lag and entries read are summed over the {snapshot.priorities.length} priority levels; the consumers, pending, messages and delayed tabs show the <code>default</code> level (the stream key itself).</p> : null}
      <div class="table-wrap">
        <table id="groups">
          <thead><tr><th scope="col">group</th><th scope="col">consumers</th><th scope="col">pending</th><th scope="col">lag</th><th scope="col">entries read</th><th scope="col">last delivered</th><th scope="col">oldest pending</th><th scope="col">state</th><th scope="col">actions</th></tr></thead>
          <tbody>
            {snapshot.groups.length === 0 ? <tr><td colSpan={9} class="muted">no groups</td></tr> : snapshot.groups.map((g) => (
              <tr key={g.name} class={g.paused ? 'paused-row' : undefined}>
                <th scope="row" class="name"><a href={formatRoute({ stream, tab: 'consumers', params: { group: g.name } })}><Text value={g.name} max={60} /></a></th>
                <td class="num">{num(g.consumers)}</td>
                <td class="num"><a href={formatRoute({ stream, tab: 'pending', params: { group: g.name } })}>{num(g.pending)}</a></td>
                <td class="num" title={g.lag === null ? 'Redis cannot tell after deletions' : undefined}>{g.lag === null ? 'unknown' : num(g.lag)}</td>
                <td class="num">{num(g.entriesRead)}</td>
                <td class="mono">{g.lastDeliveredId}</td>
                <td class="num">{g.oldestPendingId ? duration(now - Number(g.oldestPendingId.split('-')[0])) : '–'}</td>
                <td>{g.paused ? `paused${g.pausedUntil ? ` until ${time(g.pausedUntil)}` : ''}` : 'running'}</td>
                <td class="actions">
                  {g.paused
                    ? <Action label={`Resume ${safe(g.name)}`} onClick={() => void act(async () => { await postJson(groupPath(g.name, 'resume'), {}); return `Resumed ${safe(g.name)}.`; }, reload)}>Resume</Action>
                    : <Action label={`Pause ${safe(g.name)}`} onClick={() => void act(async () => { await postJson(groupPath(g.name, 'pause'), {}); return `Paused ${safe(g.name)}.`; }, reload)}>Pause</Action>}
                  <Action danger label={`Delete ${safe(g.name)}`} onClick={() => void (async () => {
                    if (!(await confirm(`Delete group ${safe(g.name).slice(0, 200)}?`, `Its ${num(g.pending)} pending entries and ${num(g.consumers)} consumers are forgotten; running consumers recreate it on NOGROUP.`))) return;
                    await act(async () => { await postJson(groupPath(g.name, 'delete'), {}); return `Deleted group ${safe(g.name)}.`; }, reload);
                  })()}>Delete</Action>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form class="controls" id="create-group" onSubmit={(e) => {
        e.preventDefault();
        void act(async () => {
          const r = await postJson<{ created: boolean }>(streamPath(stream, 'groups'), { group: name, startAt });
          return r.created ? `Created group ${safe(name)}.` : `Group ${safe(name)} exists already.`;
        }, () => { setName(''); reload(); });
      }}>
        <strong>New group</strong>
        <label>Name <input id="new-group" required value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} /></label>
        <label>Starts at <select id="new-group-start" value={startAt} onChange={(e) => setStartAt((e.target as HTMLSelectElement).value)}>
          <option value="$">new messages ($)</option><option value="0">every message (0)</option>
        </select></label>
        <Action onClick={() => (document.getElementById('create-group') as HTMLFormElement | null)?.requestSubmit()}>Create</Action>
      </form>
      <form class="controls" id="reset-group" onSubmit={(e) => {
        e.preventDefault();
        void (async () => {
          const group = resetGroup || snapshot.groups[0]?.name;
          if (group === undefined) return;
          if (!(await confirm(`Move group ${safe(group).slice(0, 200)} to ${resetId}?`, 'Entries after this ID are delivered to the group (again).'))) return;
          await act(async () => { await postJson(groupPath(group, 'reset'), { id: resetId }); return `Group ${safe(group)} now starts after ${resetId}.`; }, reload);
        })();
      }}>
        <strong>Reset position</strong>
        <label>Group <select id="reset-group-name" value={resetGroup || snapshot.groups[0]?.name} onChange={(e) => setResetGroup((e.target as HTMLSelectElement).value)}>
          {snapshot.groups.map((g) => <option key={g.name} value={g.name}>{safe(g.name).slice(0, 120)}</option>)}
        </select></label>
        <label>to ID <input id="reset-id" value={resetId} pattern="\d+(-\d+)?|\$" onInput={(e) => setResetId((e.target as HTMLInputElement).value)} /></label>
        <Action onClick={() => (document.getElementById('reset-group') as HTMLFormElement | null)?.requestSubmit()}>Reset</Action>
      </form>
    </div>
  );
}
