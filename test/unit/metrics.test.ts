/** Prometheus text of the metrics registry: one series per label set, histogram buckets in order. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metrics, MetricsRegistry } from '../../src/index.js';

/** Series lines (`name{labels} value`) of a Prometheus text. */
const seriesOf = (text: string): string[] => text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

describe('Prometheus text', () => {
  it('lists histogram buckets in the order of their bounds, +Inf last', () => {
    const registry = new MetricsRegistry();
    const metrics = new Metrics({ stream: 's', group: 'g', consumer: 'c' });
    for (const seconds of [0.0005, 0.3, 2, 45]) metrics.observeHandler(seconds);
    registry.register(metrics);
    const bounds = seriesOf(registry.prometheus())
      .filter((line) => line.startsWith('streamq_handler_duration_seconds_bucket'))
      .map((line) => /le="([^"]+)"/.exec(line)?.[1] as string);
    assert.deepEqual(bounds, ['0.001', '0.005', '0.01', '0.05', '0.1', '0.5', '1', '5', '10', '30', '60', '+Inf']);
    const counts = seriesOf(registry.prometheus()).filter((l) => l.includes('_bucket')).map((l) => Number(l.split(' ').pop()));
    assert.deepEqual(counts, [1, 1, 1, 1, 1, 2, 2, 3, 3, 3, 4, 4], 'cumulative and non-decreasing');
  });

  it('sums members with the same labels into one series (two producers of one stream)', () => {
    const registry = new MetricsRegistry();
    const a = new Metrics({ stream: 'orders', role: 'producer' });
    const b = new Metrics({ stream: 'orders', role: 'producer' });
    a.counters.sent = 3;
    b.counters.sent = 4;
    registry.register(a);
    registry.register(b);
    const lines = seriesOf(registry.prometheus());
    const names = lines.map((line) => line.slice(0, line.lastIndexOf(' ')));
    assert.equal(new Set(names).size, names.length, `a series appears twice: ${names.filter((n, i) => names.indexOf(n) !== i).join(', ')}`);
    assert.ok(lines.includes('streamq_sent_total{stream="orders",role="producer"} 7'), lines.filter((l) => l.startsWith('streamq_sent')).join('\n'));
  });
});
