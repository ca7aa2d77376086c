/**
 * The torture verdict's own tests (no server): a checker that cannot see a loss proves nothing, so
 * each kind of failure is planted in synthetic evidence and must be found.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { KillRecord } from './chaos.js';
import { ledgerLine, makePayloads, type TorturePayload } from './protocol.js';
import { newSendStats } from './sender.js';
import { verify, type Evidence } from './verify.js';

const dir = mkdtempSync(join(tmpdir(), 'streamq-verify-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const entry = (id: string, payload: TorturePayload) => ({ id, fields: ['d', JSON.stringify(payload)] });
const dead = (originalId: string, payload: TorturePayload, at = 0) => ({
  id: `9-${originalId}`,
  fields: ['dead.id', originalId, 'dead.group', 'g', 'dead.reason', 'failed 5 of maxDeliveries 5: Error: poison', 'dead.deliveries', '5', 'dead.consumer', 'c1', 'dead.at', String(at), 'd', JSON.stringify(payload)],
});

/** Evidence for 4 messages (#3 poison), all handled by instance 1; `change` plants a fault. */
function evidence(change: (e: Evidence, lines: string[][]) => void = () => undefined): Evidence {
  const stats = newSendStats(4);
  stats.ids = ['1-0', '2-0', '3-0', '4-0'];
  stats.sent = 4;
  const e: Evidence = {
    n: 4, visibilityTimeoutMs: 1000, pendingLeft: 0, allDelivered: true, sendStats: stats, kills: [], faults: [],
    stream: [entry('1-0', { n: 0 }), entry('2-0', { n: 1 }), entry('3-0', { n: 2 }), entry('4-0', { n: 3, p: 1 })],
    dead: [dead('4-0', { n: 3, p: 1 })],
    ledgers: [],
  };
  const lines: string[][] = [[
    ledgerLine('S', '1-0', 0, 1, 100), ledgerLine('H', '1-0', 0, 1, 101),
    ledgerLine('S', '2-0', 1, 1, 100), ledgerLine('H', '2-0', 1, 1, 102),
    ledgerLine('S', '3-0', 2, 1, 100), ledgerLine('H', '3-0', 2, 1, 103),
    ledgerLine('S', '4-0', 3, 1, 100), ledgerLine('F', '4-0', 3, 1, 104),
  ], []];
  change(e, lines);
  const run = mkdtempSync(join(dir, 'case-'));
  e.ledgers = lines.map((text, i) => {
    const path = join(run, `ledger-${i + 1}.txt`);
    writeFileSync(path, text.join(''));
    // Instances 3 and up were SIGKILLed (at 5000 ms).
    return { instance: i + 1, name: `c${i + 1}`, path, killedAt: i >= 2 ? 5000 : undefined };
  });
  return e;
}

describe('torture verdict', () => {
  it('passes clean evidence', () => {
    const v = verify(evidence());
    assert.equal(v.lost, 0);
    assert.equal(v.lostEntries, 0);
    assert.equal(v.handledUnique, 3);
    assert.equal(v.nonPoison, 3);
    assert.equal(v.duplicates, 0);
    assert.ok(v.deadLettersExact);
  });

  it('finds a message never handled, and one acknowledged by Redis but missing from the stream', () => {
    const v = verify(evidence((e, lines) => {
      lines[0] = (lines[0] as string[]).filter((line) => !line.startsWith('H 2-0') && !line.includes(' 3-0 '));
      e.stream = e.stream.filter((s) => s.id !== '3-0');
    }));
    assert.equal(v.lost, 2);
    assert.deepEqual(v.lostSample, [1, 2]);
    assert.equal(v.acknowledgedButMissing, 1);
  });

  it('finds a poison message not dead-lettered, dead-lettered twice, or a healthy one dead-lettered', () => {
    assert.equal(verify(evidence((e) => { e.dead = []; })).deadMissing, 1);
    assert.equal(verify(evidence((e) => { e.dead = []; })).lost, 1);
    const twice = verify(evidence((e) => { e.dead.push(dead('4-0', { n: 3, p: 1 })); }));
    assert.equal(twice.deadTwice, 1);
    assert.equal(twice.deadLettersExact, false);
    const healthy = verify(evidence((e) => { e.dead.push(dead('1-0', { n: 0 })); }));
    assert.equal(healthy.deadNotPoison, 1);
    assert.equal(healthy.deadLettersExact, false);
  });

  it('tells a healthy message dead-lettered after its consumers were killed on every run', () => {
    const v = verify(evidence((e, lines) => {
      lines[0] = (lines[0] as string[]).filter((line) => !line.includes(' 2-0 '));
      lines.push([ledgerLine('S', '2-0', 1, 1, 100)], [ledgerLine('S', '2-0', 1, 2, 3000)]);
      e.dead.push(dead('2-0', { n: 1 }));
    }));
    assert.equal(v.deadNotPoison, 1);
    assert.equal(v.lost, 0, 'in the dead letters, so not lost');
    assert.equal(v.handledUnique, 2);
    assert.equal(v.deadLettersExact, false);
    assert.equal(v.crashExhausted, 1);
  });

  it('counts consumer-side and producer-side duplicates apart', () => {
    const v = verify(evidence((e, lines) => {
      (lines[1] as string[]).push(ledgerLine('S', '1-0', 0, 2, 200), ledgerLine('H', '1-0', 0, 2, 201));
      e.stream.push(entry('5-0', { n: 0 }));
      (lines[1] as string[]).push(ledgerLine('S', '5-0', 0, 1, 300), ledgerLine('H', '5-0', 0, 1, 301));
    }));
    assert.equal(v.duplicates, 1);
    assert.equal(v.maxHandledPerEntry, 2);
    assert.equal(v.duplicateCauses.other, 1);
    assert.equal(v.producerDuplicates, 1);
    assert.equal(v.lost, 0);
    assert.equal(v.lostEntries, 0);
  });

  it('finds an entry of a producer-side duplicate that nobody handled', () => {
    const v = verify(evidence((e) => { e.stream.push(entry('5-0', { n: 0 })); }));
    assert.equal(v.lost, 0, 'message 0 was handled (as entry 1-0)');
    assert.equal(v.lostEntries, 1, 'but entry 5-0 never was');
  });

  it('finds a handler taken over while still running, and measures redelivery after a kill', () => {
    const v = verify(evidence((e, lines) => {
      lines[0] = (lines[0] as string[]).map((line) => (line.startsWith('H 1-0') ? ledgerLine('H', '1-0', 0, 1, 5000) : line));
      (lines[1] as string[]).push(ledgerLine('S', '1-0', 0, 2, 2500), ledgerLine('H', '1-0', 0, 2, 2600));
      const kill: KillRecord = { instance: 3, name: 'c3', at: 1000, held: ['2-0'], replacementReusedName: false };
      e.kills = [kill];
      (lines[1] as string[]).push(ledgerLine('S', '2-0', 1, 2, 2700), ledgerLine('H', '2-0', 1, 2, 2701));
    }));
    assert.equal(v.takenOverWhileRunning, 1);
    assert.equal(v.takenOverOutsideFaults, 1);
    assert.equal(v.redelivery.slowestMs, 1700);
    assert.equal(v.redelivery.notRedelivered, 0);
  });

  it('does not expect redelivery of what a killed consumer settled with a call still in flight', () => {
    const kill = (held: string[]): KillRecord => ({ instance: 1, name: 'c1', at: 1000, held, replacementReusedName: false });
    // 1-0 was handled at 101 ms (its XACK landed after the kill); the poison 4-0 was dead-lettered at 900 ms.
    const settled = verify(evidence((e) => {
      e.kills = [kill(['1-0', '4-0'])];
      e.dead = [dead('4-0', { n: 3, p: 1 }, 900)];
    }));
    assert.equal(settled.redelivery.settledInFlight, 2);
    assert.equal(settled.redelivery.notRedelivered, 0);
    // 2-0 was neither settled nor started again: a failure.
    const stuck = verify(evidence((e, lines) => {
      lines[0] = (lines[0] as string[]).filter((line) => !line.startsWith('H 2-0'));
      e.kills = [kill(['2-0'])];
    }));
    assert.equal(stuck.redelivery.notRedelivered, 1);
  });

  it('generates exactly floor(n · rate) poison messages, deterministically', () => {
    const options = { seed: 1, poisonRate: 0.01, longRate: 0.001, visibilityTimeoutMs: 2000 };
    const payloads = makePayloads(20_000, options);
    assert.equal(payloads.filter((p) => p.p === 1).length, 200);
    assert.deepEqual(makePayloads(500, options), payloads.slice(0, 500));
    assert.ok(payloads.some((p) => (p.ms ?? 0) >= 2000), 'some handlers outlast the visibility timeout');
  });
});
