/**
 * Command argument builders and reply parsers: the exact arguments streamq sends, and parsing of
 * both RESP2 (flat arrays, what streamq's own clients speak) and RESP3 (maps, what a user's client
 * passed as `redis` may speak) replies.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toEntries, toNumber, toNumberOrNull, toRecord } from '../../src/commands/replies.js';
import { parseXautoclaim, xautoclaimArgs } from '../../src/commands/xautoclaim.js';
import { parseXinfoConsumers, parseXinfoGroups, parseXinfoStream } from '../../src/commands/xinfo.js';
import { parseXpending, xpendingArgs } from '../../src/commands/xpending.js';
import { parseXreadgroup, xreadgroupArgs } from '../../src/commands/xreadgroup.js';

describe('argument builders', () => {
  it('XREADGROUP: with and without BLOCK', () => {
    assert.deepEqual(xreadgroupArgs('orders', 'billing', 'c1', '>', 10, 2000),
      ['XREADGROUP', 'GROUP', 'billing', 'c1', 'COUNT', '10', 'BLOCK', '2000', 'STREAMS', 'orders', '>']);
    assert.deepEqual(xreadgroupArgs('orders', 'billing', 'c1', '0', 5),
      ['XREADGROUP', 'GROUP', 'billing', 'c1', 'COUNT', '5', 'STREAMS', 'orders', '0']);
  });

  it('XAUTOCLAIM: min-idle floored and never negative, cursor and COUNT', () => {
    assert.deepEqual(xautoclaimArgs('s', 'g', 'c', 30000, '0-0', 100), ['XAUTOCLAIM', 's', 'g', 'c', '30000', '0-0', 'COUNT', '100']);
    assert.deepEqual(xautoclaimArgs('s', 'g', 'c', 1500.7, '17-3', 1), ['XAUTOCLAIM', 's', 'g', 'c', '1500', '17-3', 'COUNT', '1']);
    assert.deepEqual(xautoclaimArgs('s', 'g', 'c', -5, '0-0', 1), ['XAUTOCLAIM', 's', 'g', 'c', '0', '0-0', 'COUNT', '1']);
  });

  it('XPENDING (extended form): IDLE before the range, consumer after the count', () => {
    assert.deepEqual(xpendingArgs('s', 'g', '-', '+', 10), ['XPENDING', 's', 'g', '-', '+', '10']);
    assert.deepEqual(xpendingArgs('s', 'g', '1-0', '1-0', 1, { consumer: 'c1' }), ['XPENDING', 's', 'g', '1-0', '1-0', '1', 'c1']);
    assert.deepEqual(xpendingArgs('s', 'g', '-', '+', 5, { consumer: 'c', minIdleMs: 1000 }), ['XPENDING', 's', 'g', 'IDLE', '1000', '-', '+', '5', 'c']);
  });
});

describe('reply parsers', () => {
  it('XREADGROUP: RESP2 array, RESP3 map (Map or object), nil on timeout, deleted entries', () => {
    const entries = [['1-0', ['d', '1']], ['2-0', ['d', '2', 'h', '{}']]];
    const expected = [{ id: '1-0', fields: ['d', '1'] }, { id: '2-0', fields: ['d', '2', 'h', '{}'] }];
    assert.deepEqual(parseXreadgroup([['orders', entries]]), expected);
    assert.deepEqual(parseXreadgroup(new Map([['orders', entries]])), expected);
    assert.deepEqual(parseXreadgroup({ orders: entries }), expected);
    assert.deepEqual(parseXreadgroup(null), []);
    assert.deepEqual(parseXreadgroup(undefined), []);
    assert.deepEqual(parseXreadgroup([]), []);
    assert.deepEqual(parseXreadgroup({}), []);
    // Own pending entries deleted from the stream come back with nil fields.
    assert.deepEqual(parseXreadgroup([['orders', [['3-0', null]]]]), [{ id: '3-0', fields: null }]);
  });

  it('XAUTOCLAIM: cursor, claimed entries, deleted IDs (Redis ≥ 7), and the Redis 6.2 two-element form', () => {
    assert.deepEqual(parseXautoclaim(['0-0', [['5-0', ['d', '"x"']]], ['4-0']]), {
      next: '0-0', claimed: [{ id: '5-0', fields: ['d', '"x"'] }], deleted: ['4-0'],
    });
    assert.deepEqual(parseXautoclaim(['7-0', [], []]), { next: '7-0', claimed: [], deleted: [] });
    assert.deepEqual(parseXautoclaim(['0-0', [['5-0', ['a', 'b']]]]), { next: '0-0', claimed: [{ id: '5-0', fields: ['a', 'b'] }], deleted: [] });
    // Redis 6.2 reports a deleted entry as nil inside the claimed list: dropped.
    assert.deepEqual(parseXautoclaim(['0-0', [null, ['6-0', ['a', 'b']]]]).claimed, [{ id: '6-0', fields: ['a', 'b'] }]);
  });

  it('XPENDING: rows with numbers as integers or strings', () => {
    assert.deepEqual(parseXpending([['1-0', 'c1', 1500, 2], ['2-0', 'c2', '10', '1']]), [
      { id: '1-0', consumer: 'c1', idleMs: 1500, deliveries: 2 },
      { id: '2-0', consumer: 'c2', idleMs: 10, deliveries: 1 },
    ]);
    assert.deepEqual(parseXpending(null), []);
    assert.deepEqual(parseXpending([]), []);
  });

  it('XINFO GROUPS: RESP2 flat arrays and RESP3 maps; unknown lag is null', () => {
    const resp2 = [['name', 'billing', 'consumers', 2, 'pending', 3, 'last-delivered-id', '9-0', 'entries-read', 9, 'lag', 1]];
    const resp3 = [new Map<string, unknown>([['name', 'billing'], ['consumers', 2], ['pending', 3], ['last-delivered-id', '9-0'], ['entries-read', 9], ['lag', 1]])];
    const resp3Object = [{ name: 'billing', consumers: 2, pending: 3, 'last-delivered-id': '9-0', 'entries-read': 9, lag: 1 }];
    const expected = [{ name: 'billing', consumers: 2, pending: 3, lag: 1, lastDeliveredId: '9-0', entriesRead: 9 }];
    assert.deepEqual(parseXinfoGroups(resp2), expected);
    assert.deepEqual(parseXinfoGroups(resp3), expected);
    assert.deepEqual(parseXinfoGroups(resp3Object), expected);
    assert.deepEqual(parseXinfoGroups([['name', 'g', 'consumers', 0, 'pending', 0, 'last-delivered-id', '0-0', 'entries-read', null, 'lag', null]]),
      [{ name: 'g', consumers: 0, pending: 0, lag: null, lastDeliveredId: '0-0', entriesRead: null }]);
    // Redis 6.2 has no entries-read / lag fields at all.
    assert.deepEqual(parseXinfoGroups([['name', 'g', 'consumers', 1, 'pending', 0, 'last-delivered-id', '3-0']]),
      [{ name: 'g', consumers: 1, pending: 0, lag: null, lastDeliveredId: '3-0', entriesRead: null }]);
    assert.deepEqual(parseXinfoGroups(null), []);
  });

  it('XINFO CONSUMERS: RESP2 and RESP3; inactive is null before Redis 7.2', () => {
    assert.deepEqual(parseXinfoConsumers([['name', 'c1', 'pending', 2, 'idle', 30, 'inactive', 25]]),
      [{ name: 'c1', pending: 2, idleMs: 30, inactiveMs: 25 }]);
    assert.deepEqual(parseXinfoConsumers([new Map<string, unknown>([['name', 'c1'], ['pending', 2], ['idle', 30]])]),
      [{ name: 'c1', pending: 2, idleMs: 30, inactiveMs: null }]);
  });

  it('XINFO STREAM: length, first and last IDs; an empty stream has none', () => {
    const resp2 = ['length', 2, 'radix-tree-keys', 1, 'last-generated-id', '2-0', 'first-entry', ['1-0', ['d', '1']], 'last-entry', ['2-0', ['d', '2']]];
    assert.deepEqual(parseXinfoStream(resp2), { length: 2, firstId: '1-0', lastId: '2-0' });
    assert.deepEqual(parseXinfoStream({ length: 2, 'first-entry': ['1-0', ['d', '1']], 'last-entry': ['2-0', ['d', '2']] }),
      { length: 2, firstId: '1-0', lastId: '2-0' });
    assert.deepEqual(parseXinfoStream(['length', 0, 'first-entry', null, 'last-entry', null]), { length: 0, firstId: null, lastId: null });
  });

  it('generic helpers', () => {
    assert.deepEqual(toRecord(['a', 1, 'b', '2']), { a: 1, b: '2' });
    assert.deepEqual(toRecord(new Map([['a', 1]])), { a: 1 });
    assert.deepEqual(toRecord(null), {});
    assert.deepEqual(toEntries('nope'), []);
    assert.equal(toNumber('12'), 12);
    assert.equal(toNumber(null), 0);
    assert.equal(toNumberOrNull(undefined), null);
    assert.equal(toNumberOrNull('x'), null);
    assert.equal(toNumberOrNull(7), 7);
  });
});
