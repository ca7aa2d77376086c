import type { StreamStats } from '../admin-types.js';

/** Escapes a Prometheus label value (backslash, double quote, newline). */
export const escapeLabel = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

interface Gauge {
  name: string;
  help: string;
  type?: 'gauge' | 'counter';
  samples: Array<{ labels: Record<string, string>; value: number }>;
}

const formatLabels = (labels: Record<string, string>): string => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
};

const renderGauge = (g: Gauge): string =>
  [`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} ${g.type ?? 'gauge'}`, ...g.samples.map((s) => `${g.name}${formatLabels(s.labels)} ${s.value}`)].join('\n');

/**
 * The dashboard's own health in Prometheus text: streams that could not be read in this scrape
 * (they are left out of the per-stream gauges; the others are served), and the total of such
 * failures since the dashboard started.
 */
export const scrapeHealth = (failedNow: number, failuresTotal: number): string =>
  `${[
    renderGauge({ name: 'streamq_dashboard_streams_unreadable', help: 'Streams whose stats could not be read in this scrape (left out of the gauges).', samples: [{ labels: {}, value: failedNow }] }),
    renderGauge({ name: 'streamq_dashboard_stream_errors_total', help: 'Per-stream read failures since the dashboard started.', type: 'counter', samples: [{ labels: {}, value: failuresTotal }] }),
  ].join('\n')}\n`;

/**
 * Per-stream gauges in Prometheus text format, from `Admin.stats` results: stream length,
 * dead letters and delayed messages per stream; lag (when Redis knows it), pending and
 * consumers per group.
 */
export const streamGauges = (stats: StreamStats[]): string => {
  const perStream = (name: string, help: string, pick: (s: StreamStats) => number): Gauge => ({
    name,
    help,
    samples: stats.map((s) => ({ labels: { stream: s.stream }, value: pick(s) })),
  });
  const groups = stats.flatMap((s) => s.groups.map((g) => ({ stream: s.stream, g })));
  const gauges: Gauge[] = [
    perStream('streamq_stream_length', 'Entries in the stream (XLEN).', (s) => s.length),
    perStream('streamq_stream_dead_letters', "Entries in the stream's dead letters.", (s) => s.deadLetters),
    perStream('streamq_stream_delayed', 'Messages waiting in the delayed set.', (s) => s.delayed),
    {
      name: 'streamq_group_lag',
      help: 'Entries of the stream not yet delivered to the group (absent when Redis cannot tell).',
      samples: groups.filter(({ g }) => g.lag !== null).map(({ stream, g }) => ({ labels: { stream, group: g.name }, value: g.lag ?? 0 })),
    },
    {
      name: 'streamq_group_pending',
      help: 'Entries delivered to the group and not yet acknowledged.',
      samples: groups.map(({ stream, g }) => ({ labels: { stream, group: g.name }, value: g.pending })),
    },
    {
      name: 'streamq_group_consumers',
      help: 'Consumers the group knows.',
      samples: groups.map(({ stream, g }) => ({ labels: { stream, group: g.name }, value: g.consumers })),
    },
  ];
  return `${gauges.map(renderGauge).join('\n')}\n`;
};
