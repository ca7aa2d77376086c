// Pieces shared by the stream tabs.
import type { Snapshot } from '../types.js';
import { setParams, type Route } from '../route.js';
import { safe } from '../format.js';

/** The group a tab shows: `?group=` or the first group. */
export const groupOf = (snapshot: Snapshot, route: Route): string | undefined =>
  snapshot.groups.some((g) => g.name === route.params.group) ? route.params.group : snapshot.groups[0]?.name;

/** A group selector that keeps the choice in the URL. */
export function GroupPicker({ snapshot, route, group }: { snapshot: Snapshot; route: Route; group: string | undefined }) {
  if (snapshot.groups.length === 0) return <p class="muted">This stream has no consumer groups.</p>;
  return (
    <label>Group{' '}
      <select id="group-picker" value={group} onChange={(e) => setParams(route, { group: (e.target as HTMLSelectElement).value, start: undefined, before: undefined })}>
        {snapshot.groups.map((g) => <option key={g.name} value={g.name}>{safe(g.name).slice(0, 120)}</option>)}
      </select>
    </label>
  );
}

/** Selection of rows by ID (kept across refreshes). */
export const toggle = (set: Set<string>, id: string, on: boolean): Set<string> => {
  const next = new Set(set);
  if (on) next.add(id);
  else next.delete(id);
  return next;
};
