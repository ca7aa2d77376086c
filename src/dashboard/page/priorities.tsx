// A stream's priority levels, shown only for a stream that has them: each level's own key, length,
// pending and worst lag over its groups, and delayed messages. The stream's figures above them
// (summary, groups tab, overview) are the sums over the levels.
import { num } from './format.js';
import type { Level, Snapshot } from './types.js';
import { Text } from './ui.js';

/** The largest lag of a level's groups: `unknown` when Redis cannot tell for one of them, `–` without groups. */
const worstLag = (level: Level): string => {
  if (level.groups.length === 0) return '–';
  if (level.groups.some((g) => g.lag === null)) return 'unknown';
  return num(Math.max(...level.groups.map((g) => g.lag ?? 0)));
};

/** The priority levels section of the stream page (nothing for a stream without levels). */
export function PriorityLevels({ snapshot }: { snapshot: Snapshot }) {
  const levels = snapshot.priorities;
  if (levels === undefined || levels.length === 0) return null;
  return (
    <details class="levels-section" open>
      <summary>Priority levels: {num(levels.length)}, highest first (the figures above are their sums)</summary>
      <div class="table-wrap">
        <table id="priorities">
          <thead><tr><th scope="col">level</th><th scope="col">stream key</th><th scope="col">length</th><th scope="col">pending</th><th scope="col">worst lag</th><th scope="col">delayed</th></tr></thead>
          <tbody>
            {levels.map((level, i) => (
              <tr key={i}>
                <th scope="row" class="name"><Text value={level.level} max={60} /></th>
                <td class="name"><code><Text value={level.stream} max={80} /></code>{level.exists ? null : <span class="muted"> (no key yet)</span>}</td>
                <td class="num">{num(level.length)}</td>
                <td class="num">{num(level.groups.reduce((sum, g) => sum + g.pending, 0))}</td>
                <td class="num">{worstLag(level)}</td>
                <td class="num">{num(level.delayed)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
