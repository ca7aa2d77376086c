/* global window */
// Throughput chart on a <canvas>: added/s and delivered/s over the last minutes.

const COLORS = { in: '#2563eb', out: '#16a34a', grid: '#e5e7eb', text: '#6b7280' };

/** Keeps `capacity` samples of two rates and draws them. */
export class ThroughputChart {
  constructor(canvas, capacity = 150) {
    this.canvas = canvas;
    this.capacity = capacity;
    this.samples = [];
  }

  /** Forgets every sample (another stream was selected). */
  reset() {
    this.samples = [];
    this.draw();
  }

  /** Adds a sample: time (ms) and rates per second (null when unknown). */
  push(t, added, delivered) {
    this.samples.push({ t, added, delivered });
    if (this.samples.length > this.capacity) this.samples.shift();
    this.draw();
  }

  /** Redraws the chart. */
  draw() {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const ratio = window.devicePixelRatio || 1;
    const width = this.canvas.clientWidth || this.canvas.width;
    const height = this.canvas.clientHeight || this.canvas.height;
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const box = { left: 48, right: width - 8, top: 8, bottom: height - 20 };
    const max = niceMax(Math.max(1, ...this.samples.flatMap((s) => [s.added ?? 0, s.delivered ?? 0])));
    this.drawGrid(ctx, box, max);
    this.drawLine(ctx, box, max, 'added', COLORS.in);
    this.drawLine(ctx, box, max, 'delivered', COLORS.out);
  }

  drawGrid(ctx, box, max) {
    ctx.strokeStyle = COLORS.grid;
    ctx.fillStyle = COLORS.text;
    ctx.font = '11px system-ui, sans-serif';
    ctx.lineWidth = 1;
    for (let i = 0; i <= 5; i++) {
      const y = box.bottom - ((box.bottom - box.top) * i) / 5;
      ctx.beginPath();
      ctx.moveTo(box.left, y);
      ctx.lineTo(box.right, y);
      ctx.stroke();
      ctx.fillText(formatRate((max * i) / 5), 4, y + 4);
    }
    const span = (this.capacity * 2) / 60;
    ctx.fillText(`-${span.toFixed(0)} min`, box.left, box.bottom + 14);
    ctx.fillText('now', box.right - 22, box.bottom + 14);
  }

  drawLine(ctx, box, max, key, color) {
    const points = this.samples.map((s, i) => ({ i, v: s[key] })).filter((p) => p.v !== null && p.v !== undefined);
    if (points.length === 0) return;
    const x = (i) => box.right - ((this.samples.length - 1 - i) * (box.right - box.left)) / Math.max(1, this.capacity - 1);
    const y = (v) => box.bottom - (v / max) * (box.bottom - box.top);
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    points.forEach((p, n) => (n === 0 ? ctx.moveTo(x(p.i), y(p.v)) : ctx.lineTo(x(p.i), y(p.v))));
    ctx.stroke();
  }
}

/** A round number ≥ value for the axis (1, 2, 5 × 10^n). */
function niceMax(value) {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** A rate for labels: 0.5/s, 12/s, 3.4k/s. */
export function formatRate(rate) {
  if (rate === null || rate === undefined) return '-';
  if (rate >= 1000) return `${(rate / 1000).toFixed(1)}k/s`;
  return rate >= 10 || rate === 0 ? `${Math.round(rate)}/s` : `${rate.toFixed(1)}/s`;
}

/**
 * Rates between two stats samples of a stream: added/s from (entriesRead + lag) of a group when
 * Redis reports both (exact), else from the growth of the length when lastId moved; delivered/s
 * from the growth of every group's entriesRead.
 */
export function ratesBetween(prev, next, seconds) {
  if (!prev || seconds <= 0) return { added: null, delivered: null };
  const addedOf = (stats) => {
    const g = stats.groups.find((group) => group.entriesRead !== null && group.lag !== null);
    return g ? g.entriesRead + g.lag : null;
  };
  const a0 = addedOf(prev);
  const a1 = addedOf(next);
  let added;
  if (a0 !== null && a1 !== null) added = Math.max(0, a1 - a0) / seconds;
  else added = next.lastId === prev.lastId ? 0 : Math.max(0, next.length - prev.length) / seconds;
  let delivered = 0;
  let known = false;
  for (const g of next.groups) {
    const before = prev.groups.find((p) => p.name === g.name);
    if (!before || before.entriesRead === null || g.entriesRead === null) continue;
    delivered += Math.max(0, g.entriesRead - before.entriesRead);
    known = true;
  }
  return { added, delivered: known ? delivered / seconds : null };
}
