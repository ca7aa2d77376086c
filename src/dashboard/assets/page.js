/* global document, setInterval */
// The dashboard page: streams, groups, lag, throughput, and the panels of a selected stream.
import { clearToken, getJson, getToken, setToken, streamPath } from './api.js';
import { formatRate, ratesBetween, ThroughputChart } from './chart.js';
import { $, el, fillTable, setText } from './dom.js';
import { Panels } from './panels.js';

const POLL_MS = 2000;
const state = { readOnly: true, authRequired: false, streams: [], stream: null, group: null, prev: null, prevAt: 0, ticks: 0, busy: false, lastOkAt: null };
const chart = new ThroughputChart($('chart'));

const showError = (error) => setText($('status'), error ? `⚠ ${error.message}` : '');
const panels = new Panels(state, showError, () => refreshStream().catch(showError));

/** Shows whether replay/purge are possible, and enables their buttons accordingly. */
function updateMode() {
  const badge = $('mode');
  const hasToken = Boolean(getToken());
  const canWrite = !state.readOnly && hasToken;
  badge.className = `badge ${canWrite ? 'rw' : 'ro'}`;
  let text = state.readOnly ? 'read-only server' : canWrite ? 'token set: replay / purge enabled' : 'enter the token to replay / purge';
  if (state.authRequired && !hasToken) text = 'enter the token to see the data';
  setText(badge, text);
  for (const button of document.querySelectorAll('button.write')) button.disabled = !canWrite;
  $('token-form').hidden = state.readOnly && !state.authRequired;
}

const two = (n) => String(n).padStart(2, '0');
const clock = (date) => `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;

/**
 * Shows (with the time the outage started) or hides the red "Redis unreachable" banner, and marks
 * the data on the page as stale while it is shown.
 */
function showOutage(since) {
  const banner = $('outage');
  document.body.classList.toggle('stale', since !== null);
  banner.hidden = since === null;
  if (since === null) return;
  const updated = state.lastOkAt ? ` (last updated ${clock(state.lastOkAt)})` : '';
  setText(banner, `Redis unreachable since ${clock(new Date(since))}: the data shown is stale${updated}. Retrying every ${POLL_MS / 1000} s…`);
}

/** Loads and draws the list of streams. */
async function refreshStreams() {
  const { streams } = await getJson('/api/streams');
  state.streams = streams;
  const selected = streams.findIndex((s) => s.stream === state.stream);
  const row = (s) => (s.error ? [s.stream, { value: `⚠ ${s.error.code}`, title: s.error.message, class: 'error' }, '', ''] : [s.stream, s.length, s.groups.length, s.deadLetters]);
  fillTable($('streams'), ['stream', 'length', 'groups', 'dead'], streams.map(row), {
    empty: 'no streams',
    selected: selected === -1 ? undefined : selected,
    onRow: (i) => selectStream(streams[i].stream).catch(showError),
  });
}

/** Draws the summary line of the selected stream. */
function renderSummary(stats, rates) {
  const item = (label, value) => el('span', {}, `${label} `, el('b', {}, value));
  $('stream-summary').replaceChildren(
    item('length', stats.length.toLocaleString()),
    item('first', stats.firstId ?? '-'),
    item('last', stats.lastId ?? '-'),
    item('groups', stats.groups.length),
    item('dead letters', stats.deadLetters.toLocaleString()),
    item('delayed', stats.delayed.toLocaleString()),
  );
  setText($('chart-now'), rates.added === null ? '' : `now: ${formatRate(rates.added)} added, ${formatRate(rates.delivered)} delivered`);
}

/** Draws the groups of the selected stream with their lag. */
function renderGroups(stats) {
  const groups = stats.groups;
  const selected = groups.findIndex((g) => g.name === state.group);
  fillTable(
    $('groups'),
    ['group', 'consumers', 'pending', 'lag', 'last delivered', 'entries read'],
    groups.map((g) => [g.name, g.consumers, g.pending, g.lag === null ? { value: 'unknown', title: 'Redis cannot tell after deletions' } : g.lag, g.lastDeliveredId, g.entriesRead]),
    { empty: 'no groups', selected: selected === -1 ? undefined : selected, onRow: (i) => selectGroup(groups[i].name).catch(showError) },
  );
}

/** Polls the selected stream's stats: summary, groups, chart sample. */
async function refreshStream() {
  const stream = state.stream;
  if (!stream) return;
  const stats = await getJson(streamPath(stream));
  if (stream !== state.stream) return;
  const now = Date.now();
  const rates = ratesBetween(state.prev, stats, (now - state.prevAt) / 1000);
  if (state.prev) chart.push(now, rates.added, rates.delivered);
  state.prev = stats;
  state.prevAt = now;
  renderSummary(stats, rates);
  renderGroups(stats);
  if (state.group) await panels.loadConsumers();
}

/** Selects a stream: resets the chart and loads its panels. */
async function selectStream(name) {
  state.stream = name;
  state.group = null;
  state.prev = null;
  chart.reset();
  $('detail').hidden = false;
  $('group-detail').hidden = true;
  $('message-view').hidden = true;
  setText($('stream-title'), name);
  setText($('dl-result'), '');
  await Promise.all([refreshStream(), panels.loadEntries(false), panels.loadDeadLetters(), refreshStreams()]);
}

/** Selects a group: shows its consumers and pending entries. */
async function selectGroup(name) {
  state.group = name;
  $('group-detail').hidden = false;
  setText($('group-name'), name);
  setText($('pending-group-name'), name);
  if (state.prev) renderGroups(state.prev);
  await panels.loadConsumers();
  await panels.loadPending(false);
}

/** One poll: the selected stream every time, the list too (every 5th time when there are many streams). */
async function tick() {
  if (state.busy) return;
  state.busy = true;
  try {
    if (state.streams.length <= 50 || state.ticks % 5 === 0) await refreshStreams();
    await refreshStream();
    state.lastOkAt = new Date();
    showOutage(null);
    showError(null);
  } catch (error) {
    if (error.code === 'REDIS_UNAVAILABLE') showOutage(error.since ?? new Date().toISOString());
    else showError(error);
  } finally {
    state.ticks += 1;
    state.busy = false;
  }
}

function bindToken() {
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $('token');
    if (input.value.trim() !== '') setToken(input.value.trim());
    input.value = '';
    updateMode();
    tick();
  });
  $('forget-token').addEventListener('click', () => {
    clearToken();
    updateMode();
  });
  $('refresh-streams').addEventListener('click', () => refreshStreams().catch(showError));
}

async function main() {
  bindToken();
  panels.bind();
  const info = await getJson('/api/info');
  state.readOnly = info.readOnly;
  state.authRequired = info.authRequired === true;
  updateMode();
  await tick();
  setInterval(tick, POLL_MS);
}

main().catch(showError);
