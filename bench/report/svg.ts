// SVG charts from a run's JSON (no dependencies): e2e msg/s by row, CPU seconds per 100k messages
// by row (Node processes and server stacked), and the paced-latency distribution.
import { CDF_QUANTILES } from '../scenarios/latency.js';
import { ok, View } from './format.js';
import { PING_ROW, type BenchResults, type RowInfo } from './types.js';

const FONT = 'font-family="system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif"';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const COLORS = { headline: '#d6336c', streamq: '#f783ac', peer: '#868e96', node: '#4c6ef5', server: '#fab005' };
const LINE_COLORS = ['#d6336c', '#f783ac', '#1c7ed6', '#37b24d', '#f59f00', '#7048e8', '#0ca678', '#e8590c', '#495057'];

const fmtNum = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(1) : v.toFixed(2));

function frame(width: number, height: number, title: string, subtitle: string, body: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="16" y="24" font-size="15" font-weight="600" fill="#212529">${esc(title)}</text>`,
    `<text x="16" y="42" fill="#495057">${esc(subtitle)}</text>`,
    body,
    '</svg>',
  ].join('\n');
}

interface Bar {
  label: string;
  parts: { value: number; color: string }[];
  text: string;
}

function barChart(title: string, subtitle: string, bars: Bar[], legend: { label: string; color: string }[] = []): string {
  const width = 860, labelW = 370, top = 58 + (legend.length ? 20 : 0), rowH = 24, right = 90;
  const max = Math.max(1e-9, ...bars.map((b) => b.parts.reduce((a, p) => a + p.value, 0)));
  const scale = (width - labelW - right) / max;
  const body: string[] = [];
  legend.forEach((l, i) => {
    body.push(`<rect x="${labelW + i * 220}" y="52" width="12" height="12" fill="${l.color}"/><text x="${labelW + i * 220 + 18}" y="62" fill="#495057">${esc(l.label)}</text>`);
  });
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    body.push(`<text x="${labelW - 8}" y="${y + 16}" text-anchor="end" fill="#212529">${esc(b.label)}</text>`);
    let x = labelW;
    for (const p of b.parts) {
      const w = Math.max(0, p.value * scale);
      body.push(`<rect x="${x.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${p.color}"/>`);
      x += w;
    }
    body.push(`<text x="${(x + 6).toFixed(1)}" y="${y + 16}" fill="#212529">${esc(b.text)}</text>`);
  });
  return frame(width, top + bars.length * rowH + 12, title, subtitle, body.join('\n'));
}

const chartRows = (v: View) => v.rows((r) => (r.group === 'main' || r.group === 'durability' || r.group === 'feature') && !r.skipped);
const colorOf = (r: RowInfo) => (r.headline ? COLORS.headline : r.system === 'streamq' ? COLORS.streamq : COLORS.peer);

export function e2eChart(res: BenchResults): string {
  const v = new View(res);
  const bars = chartRows(v)
    .map((r) => ({ r, mode: v.e2eMode(r), value: v.get(r.id, 'e2e', v.e2eMode(r), 'rate') }))
    .filter((x) => ok(x.value))
    .map(({ r, mode, value }) => ({ label: r.label + (mode === 'one' ? ' (one at a time)' : ''), parts: [{ value: value!, color: colorOf(r) }], text: fmtNum(value!) }));
  return barChart('End to end, msg/s (higher is better)', `N = ${res.meta.n.toLocaleString('en-US')}, bulk producers, clock stopped when the last ack is confirmed; medians of ${res.meta.reps}`, bars);
}

export function cpuChart(res: BenchResults): string {
  const v = new View(res);
  const bars = chartRows(v)
    .map((r) => {
      const mode = v.e2eMode(r);
      return { r, mode, node: v.get(r.id, 'e2e', mode, 'nodeCpuPer100k'), server: v.get(r.id, 'e2e', mode, 'serverCpuPer100k') };
    })
    .filter((x) => ok(x.node) && ok(x.server))
    .map(({ r, mode, node, server }) => ({
      label: r.label + (mode === 'one' ? ' (one at a time)' : ''),
      parts: [{ value: node!, color: COLORS.node }, { value: server!, color: COLORS.server }],
      text: `${fmtNum(node! + server!)} s`,
    }));
  return barChart('CPU seconds per 100k messages, end to end (lower is better)', 'from /proc/<pid>/stat over the e2e window: producer + consumer processes, and the server', bars, [
    { label: 'Node (producer + consumer)', color: COLORS.node },
    { label: 'server (Redis / NATS / RabbitMQ)', color: COLORS.server },
  ]);
}

export function latencyChart(res: BenchResults): string {
  const v = new View(res);
  const ping: RowInfo = { ...PING_ROW, oneLabel: 'PING', bulkLabel: null, settings: {} };
  const series = [...v.rows((r) => r.scenarios.includes('latency') && !r.skipped), ping]
    .map((r) => ({ r, cdf: v.medianRun(r.id, 'latency', '-', 'p99Ms')?.series?.cdfMs }))
    .filter((s): s is { r: RowInfo; cdf: number[] } => Array.isArray(s.cdf) && s.cdf.length === CDF_QUANTILES.length);
  const L = res.meta.latency as { rate: number; n: number };
  const title = 'Paced latency distribution (lower is better)';
  const subtitle = `${L.rate.toLocaleString('en-US')} msg/s, ${L.n.toLocaleString('en-US')} measured messages per run; the run with the median p99 of each row`;
  if (series.length === 0) return frame(760, 80, title, 'not measured in this run', '');
  const width = 760, height = 420, left = 60, right = 200, top = 56, bottom = 50;
  const pw = width - left - right, ph = height - top - bottom;
  // x: percentile on a "nines" scale (50 → 0.3, 90 → 1, 99 → 2, 99.9 → 3); y: ms, log scale.
  const qs = CDF_QUANTILES.map((q, i) => ({ q, i })).filter(({ q }) => q >= 50 && q <= 99.9);
  const nx = (q: number) => -Math.log10(1 - q / 100);
  const [x0, x1] = [nx(50), nx(99.9)];
  const all = series.flatMap((s) => qs.map(({ i }) => s.cdf[i]!)).filter((x) => x > 0);
  const yMin = Math.pow(10, Math.floor(Math.log10(Math.min(...all))));
  const yMax = Math.pow(10, Math.ceil(Math.log10(Math.max(...all, 1))));
  const X = (q: number) => left + ((nx(q) - x0) / (x1 - x0)) * pw;
  const Y = (ms: number) => top + ph - ((Math.log10(Math.max(ms, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * ph;
  const body: string[] = [`<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#dee2e6"/>`];
  for (const q of [50, 90, 99, 99.9]) body.push(`<line x1="${X(q)}" y1="${top}" x2="${X(q)}" y2="${top + ph}" stroke="#f1f3f5"/><text x="${X(q)}" y="${top + ph + 16}" text-anchor="middle" fill="#495057">p${q}</text>`);
  for (let e = Math.log10(yMin); e <= Math.log10(yMax); e++) {
    const ms = Math.pow(10, e);
    body.push(`<line x1="${left}" y1="${Y(ms)}" x2="${left + pw}" y2="${Y(ms)}" stroke="#f1f3f5"/><text x="${left - 6}" y="${Y(ms) + 4}" text-anchor="end" fill="#495057">${ms >= 1 ? ms : ms.toFixed(-e)} ms</text>`);
  }
  body.push(`<text x="${left + pw / 2}" y="${height - 12}" text-anchor="middle" fill="#495057">percentile of messages (send → handler start)</text>`);
  series.forEach((s, k) => {
    const color = s.r === ping ? '#adb5bd' : LINE_COLORS[k % LINE_COLORS.length]!;
    const pts = qs.map(({ q, i }) => `${X(q).toFixed(1)},${Y(s.cdf[i]!).toFixed(1)}`).join(' ');
    body.push(`<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="${s.r.headline ? 3 : 1.8}"${s.r === ping ? ' stroke-dasharray="4 3"' : ''}/>`);
    const ly = top + 8 + k * 18;
    body.push(`<line x1="${left + pw + 12}" y1="${ly}" x2="${left + pw + 32}" y2="${ly}" stroke="${color}" stroke-width="3"/><text x="${left + pw + 38}" y="${ly + 4}" fill="#212529">${esc(s.r === ping ? 'Redis PING (floor)' : s.r.label)}</text>`);
  });
  return frame(width, height, title, subtitle, body.join('\n'));
}
