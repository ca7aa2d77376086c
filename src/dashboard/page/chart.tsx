// Time-series charts of a stream from the server's sampled history (uPlot): x is time, lines
// are told apart by colour and dash, the legend shows each line's value under the cursor.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'preact/hooks';
import { safe } from './format.js';
import type { History, SeriesName } from './types.js';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];
const DASH: Record<SeriesName | 'in', number[] | undefined> = { in: undefined, delivered: undefined, acked: [8, 4], deadLettered: [2, 3], lag: undefined, pending: [8, 4] };
const LABEL: Record<SeriesName, string> = { delivered: 'delivered/s', acked: 'acked/s', deadLettered: 'dead-lettered/s', lag: 'lag', pending: 'pending' };

const zone = (): string => new Intl.DateTimeFormat(undefined, { timeZoneName: 'short' }).formatToParts(new Date()).find((p) => p.type === 'timeZoneName')?.value ?? '';

/** The series of one chart: `kinds` of every group (and the input rate when `withIn`). */
function build(history: History, kinds: SeriesName[], withIn: boolean): { data: uPlot.AlignedData; series: uPlot.Series[] } {
  const data: (number | null)[][] = [history.times];
  const series: uPlot.Series[] = [{ label: `time (${zone()})`, value: (_u, v) => (v === null ? '–' : new Date(v).toLocaleTimeString(undefined, { hour12: false })) }];
  if (withIn) {
    data.push(history.in);
    series.push({ label: 'added/s', stroke: '#64748b', width: 2, value: (_u, v) => (v === null ? '–' : v.toFixed(1)) });
  }
  history.groups.forEach((group, i) => {
    const color = COLORS[i % COLORS.length] as string;
    for (const kind of kinds) {
      data.push(group[kind]);
      const dash = DASH[kind];
      series.push({ label: `${safe(group.name).slice(0, 40)} ${LABEL[kind]}`, stroke: color, width: 2, ...(dash ? { dash } : {}), value: (_u, v) => (v === null ? '–' : Number.isInteger(v) ? String(v) : v.toFixed(1)) });
    }
  });
  return { data: data as uPlot.AlignedData, series };
}

/** One uPlot chart, rebuilt when its series change and updated in place on new data. */
export function TimeChart({ history, kinds, withIn, title }: { history: History; kinds: SeriesName[]; withIn: boolean; title: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = useRef('');
  const { data, series } = build(history, kinds, withIn);
  const key = series.map((s) => s.label).join('\u0000');
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    if (plot.current === null || shape.current !== key) {
      plot.current?.destroy();
      shape.current = key;
      const options: uPlot.Options = {
        width: Math.max(300, el.clientWidth), height: 220, ms: 1, series,
        axes: [{ stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.2)' } }, { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.2)' }, size: 60 }],
        scales: { y: { range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(1, (max ?? 1) * 1.1)] } },
        legend: { live: true, markers: { width: 3, dash: (u, i) => { const d = u.series[i]?.dash; return d === undefined ? 'solid' : (d[0] ?? 0) <= 2 ? 'dotted' : 'dashed'; } } },
        cursor: { drag: { x: false, y: false } },
      };
      plot.current = new uPlot(options, data, el);
    } else plot.current.setData(data);
  });
  useEffect(() => {
    const el = box.current;
    if (el === null) return undefined;
    const observer = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(300, el.clientWidth), height: 220 }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} class="chart-box" role="img" aria-label={title} />
    </figure>
  );
}
