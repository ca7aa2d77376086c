// A stream's page: summary, charts over time, and tabs. A new tab (say, rate-limit state) is one
// entry in TABS below plus its component in tabs/: nothing else changes.
import type { FunctionComponent } from 'preact';
import { getJson, streamPath, withQuery } from './api.js';
import { TimeChart } from './chart.js';
import { idTime, num } from './format.js';
import { PriorityLevels } from './priorities.js';
import { formatRoute, type Route } from './route.js';
import { ConsumersTab } from './tabs/consumers.js';
import { DeadLettersTab } from './tabs/dead-letters.js';
import { DelayedTab } from './tabs/delayed.js';
import { GroupsTab } from './tabs/groups.js';
import { LimitsTab } from './tabs/limits.js';
import { MessagesTab } from './tabs/messages.js';
import { PendingTab } from './tabs/pending.js';
import { PublishTab } from './tabs/publish.js';
import { SchedulesTab } from './tabs/schedules.js';
import type { History, Snapshot } from './types.js';
import { ErrorLine, Text, useData } from './ui.js';

/** What every tab gets. */
export interface TabProps {
  stream: string;
  snapshot: Snapshot;
  route: Route;
  /** Reloads the stream's snapshot (after an action). */
  reload: () => void;
}

/** The tabs of the stream page, in order: `id` is the URL segment. */
export const TABS: Array<{ id: string; label: string; view: FunctionComponent<TabProps> }> = [
  { id: 'groups', label: 'Groups', view: GroupsTab },
  { id: 'consumers', label: 'Consumers', view: ConsumersTab },
  { id: 'pending', label: 'Pending', view: PendingTab },
  { id: 'messages', label: 'Messages', view: MessagesTab },
  { id: 'dead-letters', label: 'Dead letters', view: DeadLettersTab },
  { id: 'delayed', label: 'Delayed', view: DelayedTab },
  { id: 'schedules', label: 'Schedules', view: SchedulesTab },
  { id: 'limits', label: 'Limits', view: LimitsTab },
  { id: 'publish', label: 'Publish', view: PublishTab },
];

function Charts({ stream }: { stream: string }) {
  const { data } = useData(() => getJson<{ history: History | null }>(withQuery(streamPath(stream, 'history'), { minutes: 60 })), [stream]);
  const history = data?.history;
  if (!history || history.times.length < 2) return <p class="muted">Charts appear after two samples (the server samples every stream every few seconds and keeps the last hour).</p>;
  return (
    <div class="charts">
      <TimeChart history={history} kinds={['delivered', 'acked', 'deadLettered']} withIn title="Rates per group (msg/s)" />
      <TimeChart history={history} kinds={['lag', 'pending']} withIn={false} title="Lag and pending per group" />
    </div>
  );
}

/** The stream page for `route.tab`. */
export function StreamView({ stream, route }: { stream: string; route: Route }) {
  const { data: snapshot, error, reload } = useData(() => getJson<Snapshot>(streamPath(stream)), [stream]);
  const tab = TABS.find((t) => t.id === route.tab) ?? (TABS[0] as (typeof TABS)[number]);
  const View = tab.view;
  return (
    <section id="stream" aria-labelledby="stream-title">
      <nav class="crumbs"><a href="#/">← all streams</a></nav>
      <h2 id="stream-title"><Text value={stream} max={200} /></h2>
      <ErrorLine error={error} />
      {snapshot ? (
        <dl id="stream-summary" class="facts">
          {snapshot.priorities ? <div><dt>priority levels</dt><dd>{num(snapshot.priorities.length)}</dd></div> : null}
          <div><dt>{snapshot.priorities ? 'length (all levels)' : 'length'}</dt><dd>{num(snapshot.length)}</dd></div>
          <div><dt>added in all</dt><dd>{num(snapshot.entriesAdded)}</dd></div>
          <div><dt>first</dt><dd title={snapshot.firstId ?? ''}>{idTime(snapshot.firstId)}</dd></div>
          <div><dt>last</dt><dd title={snapshot.lastId ?? ''}>{idTime(snapshot.lastId)}</dd></div>
          <div><dt>groups</dt><dd>{num(snapshot.groups.length)}</dd></div>
          <div><dt>dead letters</dt><dd>{num(snapshot.deadLetters)}</dd></div>
          <div><dt>delayed</dt><dd>{num(snapshot.delayed)}</dd></div>
        </dl>
      ) : null}
      {snapshot ? <PriorityLevels snapshot={snapshot} /> : null}
      <details class="chart-section" open>
        <summary>Charts of the last hour</summary>
        <Charts stream={stream} />
      </details>
      <nav class="tabs" aria-label="Stream views">
        {TABS.map((t) => (
          <a key={t.id} id={`tab-${t.id}`} aria-current={t.id === tab.id ? 'page' : undefined} href={formatRoute({ stream, tab: t.id, params: t.id === tab.id ? route.params : pick(route.params, ['group']) })}>{t.label}</a>
        ))}
      </nav>
      <section aria-labelledby={`tab-${tab.id}`} id="tabpanel">
        {snapshot ? <View stream={stream} snapshot={snapshot} route={route} reload={reload} /> : <p class="muted">loading…</p>}
      </section>
    </section>
  );
}

const pick = (params: Record<string, string>, keys: string[]): Record<string, string> =>
  Object.fromEntries(Object.entries(params).filter(([k]) => keys.includes(k)));
