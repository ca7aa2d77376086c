/* global setTimeout */
// The panels of a selected stream: consumers, pending entries, messages, dead letters.
import { getJson, postJson, streamPath, withQuery } from './api.js';
import { $, duration, el, fillTable, preview, setBlockText, setText } from './dom.js';

const PAGE = 25;

/** The time encoded in an entry ID (its milliseconds part), as ISO text. */
const timeOf = (id) => {
  const ms = Number(String(id).split('-')[0]);
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace('T', ' ').replace('Z', '') : '-';
};

/** Fields whose value is JSON (the payload, headers), decoded for the viewer. */
const decoded = (fields) => {
  const out = {};
  for (const [key, value] of Object.entries(fields)) {
    try {
      const parsed = JSON.parse(value);
      if (parsed !== null && typeof parsed === 'object') out[key] = parsed;
    } catch {
      // not JSON: shown raw only
    }
  }
  return out;
};

/** Shows a document in the viewer (as text). */
export function view(value) {
  const viewer = $('message-view');
  viewer.hidden = false;
  setBlockText(viewer, JSON.stringify(value, null, 2));
}

/** Panels bound to the page state. */
export class Panels {
  constructor(state, onError, onChanged) {
    this.state = state;
    this.onError = onError;
    this.onChanged = onChanged;
    this.entriesOldest = null;
    this.pendingLast = null;
    this.letters = [];
    this.selected = new Set();
    this.armed = new Map();
  }

  /** Loads the consumers of the selected group (and the consumer filter of the pending panel). */
  async loadConsumers() {
    const { stream, group } = this.state;
    if (!stream || !group) return;
    const { consumers } = await getJson(streamPath(stream, 'groups', group, 'consumers'));
    if (stream !== this.state.stream || group !== this.state.group) return;
    fillTable($('consumers'), ['consumer', 'pending', 'idle', 'inactive'], consumers.map((c) => [c.name, c.pending, duration(c.idleMs), duration(c.inactiveMs)]), { empty: 'no consumers' });
    const select = $('pending-consumer');
    const current = select.value;
    select.replaceChildren(el('option', { value: '' }, 'all'), ...consumers.map((c) => el('option', { value: c.name }, c.name)));
    select.value = consumers.some((c) => c.name === current) ? current : '';
  }

  /** Loads a page of pending entries of the selected group (from the start, or the next page). */
  async loadPending(next = false) {
    const { stream, group } = this.state;
    if (!stream || !group) return;
    const start = next && this.pendingLast ? `(${this.pendingLast}` : '-';
    const query = { count: PAGE, start, consumer: $('pending-consumer').value, minIdleMs: Number($('pending-min-idle').value) || undefined };
    const { entries } = await getJson(withQuery(streamPath(stream, 'groups', group, 'pending'), query));
    if (entries.length > 0) this.pendingLast = entries[entries.length - 1].id;
    fillTable($('pending'), ['id', 'consumer', 'idle', 'deliveries'], entries.map((e) => [e.id, e.consumer, duration(e.idleMs), e.deliveries]), {
      empty: next ? 'no more pending entries' : 'no pending entries',
      onRow: (i) => this.showEntry(entries[i].id).catch(this.onError),
    });
  }

  /** Shows one entry of the stream in the viewer. */
  async showEntry(id) {
    const { entries } = await getJson(withQuery(streamPath(this.state.stream, 'entries'), { start: id, end: id, count: 1 }));
    const entry = entries[0];
    view(entry ? { id: entry.id, time: timeOf(entry.id), fields: entry.fields, decoded: decoded(entry.fields) } : { id, note: 'not in the stream any more (deleted or trimmed)' });
  }

  /** Loads the newest messages, or the page before the oldest one shown. */
  async loadEntries(older = false) {
    const stream = this.state.stream;
    if (!stream) return;
    const end = older && this.entriesOldest ? `(${this.entriesOldest}` : '+';
    const { entries } = await getJson(withQuery(streamPath(stream, 'entries'), { end, count: PAGE, reverse: true }));
    if (stream !== this.state.stream) return;
    if (entries.length > 0) this.entriesOldest = entries[entries.length - 1].id;
    fillTable($('entries'), ['id', 'time', 'fields'], entries.map((e) => [e.id, timeOf(e.id), { value: preview(e.fields), class: 'data' }]), {
      empty: older ? 'no older messages' : 'no messages',
      onRow: (i) => view({ id: entries[i].id, time: timeOf(entries[i].id), fields: entries[i].fields, decoded: decoded(entries[i].fields) }),
    });
  }

  /** Loads the dead letters of the selected stream. */
  async loadDeadLetters() {
    const stream = this.state.stream;
    if (!stream) return;
    const { deadLetters } = await getJson(withQuery(streamPath(stream, 'dead-letters'), { count: 100 }));
    if (stream !== this.state.stream) return;
    this.letters = deadLetters;
    this.selected = new Set([...this.selected].filter((id) => deadLetters.some((d) => d.id === id)));
    const box = (d) =>
      el('input', {
        type: 'checkbox',
        checked: this.selected.has(d.id),
        'aria-label': `select ${d.id}`,
        onclick: (event) => event.stopPropagation(),
        onchange: (event) => (event.target.checked ? this.selected.add(d.id) : this.selected.delete(d.id)),
      });
    const known = (value) => (value === null || value === undefined ? { value: 'unknown', class: 'empty', title: 'missing or malformed in the dead letter' } : value);
    const rows = deadLetters.map((d) => [box(d), d.id, known(d.originalId), known(d.group), d.reason === null ? known(null) : { value: d.reason, title: d.reason }, known(d.deliveries), known(d.consumer), known(d.failedAt), { value: preview(d.fields, 80), class: 'data' }]);
    fillTable($('dead-letters'), ['', 'id', 'original id', 'group', 'reason', 'deliveries', 'consumer', 'failed at', 'fields'], rows, {
      empty: 'no dead letters',
      onRow: (i) => view({ ...deadLetters[i], decoded: decoded(deadLetters[i].fields) }),
    });
  }

  /** Replays or purges the selected dead letters, or all of them. */
  async act(action, all) {
    const stream = this.state.stream;
    if (!stream) return;
    const ids = [...this.selected];
    if (!all && ids.length === 0) return setText($('dl-result'), 'Select dead letters first.');
    const body = all ? { all: true } : { ids };
    const result = await postJson(streamPath(stream, 'dead-letters', action), body);
    const count = action === 'replay' ? result.replayed : result.purged;
    setText($('dl-result'), `${action === 'replay' ? 'Replayed' : 'Purged'} ${count} dead letter${count === 1 ? '' : 's'}.`);
    this.selected.clear();
    await this.loadDeadLetters();
    this.onChanged();
  }

  /** Runs a purge only on a second click within 4 s (no browser dialogs). */
  confirmThen(button, label, run) {
    if (this.armed.get(button)) {
      this.armed.delete(button);
      setText(button, label);
      return run();
    }
    this.armed.set(button, true);
    setText(button, `${label}: click again to confirm`);
    setTimeout(() => {
      if (this.armed.delete(button)) setText(button, label);
    }, 4000);
    return Promise.resolve();
  }

  /** Wires the panels' buttons and forms. */
  bind() {
    const guard = (fn) => () => fn().catch(this.onError);
    $('pending-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.loadPending(false).catch(this.onError);
    });
    $('pending-next').addEventListener('click', guard(() => this.loadPending(true)));
    $('entries-newest').addEventListener('click', guard(() => this.loadEntries(false)));
    $('entries-older').addEventListener('click', guard(() => this.loadEntries(true)));
    $('dl-refresh').addEventListener('click', guard(() => this.loadDeadLetters()));
    $('dl-replay-selected').addEventListener('click', guard(() => this.act('replay', false)));
    $('dl-replay-all').addEventListener('click', guard(() => this.act('replay', true)));
    const purgeSelected = $('dl-purge-selected');
    const purgeAll = $('dl-purge-all');
    purgeSelected.addEventListener('click', guard(() => this.confirmThen(purgeSelected, 'Purge selected', () => this.act('purge', false))));
    purgeAll.addEventListener('click', guard(() => this.confirmThen(purgeAll, 'Purge all', () => this.act('purge', true))));
  }
}
