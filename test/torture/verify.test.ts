/**
 * The torture verdict's own tests (no server): a checker that cannot see a loss proves nothing, so
 * each kind of failure is planted in synthetic evidence and must be found.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { FaultRecord, KillRecord } from './chaos.js';
import { duplicateFailures, faultFailures } from './judge.js';
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
    assert.equal(v.duplicateCauses.other, 1, 'no fault explains it');
    assert.equal(v.maxHandledOutsideFaults, 2);
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
      const kill: KillRecord = { instance: 3, name: 'c3', group: 'g', at: 1000, held: ['2-0'], duringOutage: false, replacementReusedName: false };
      e.kills = [kill];
      (lines[1] as string[]).push(ledgerLine('S', '2-0', 1, 2, 2700), ledgerLine('H', '2-0', 1, 2, 2701));
    }));
    assert.equal(v.takenOverWhileRunning, 1);
    assert.equal(v.takenOverOutsideFaults, 1);
    assert.equal(v.redelivery.slowestMs, 1700);
    assert.equal(v.redelivery.notRedelivered, 0);
  });

  it('does not expect redelivery of what a killed consumer settled with a call still in flight', () => {
    const kill = (held: string[]): KillRecord => ({ instance: 1, name: 'c1', group: 'g', at: 1000, held, duringOutage: false, replacementReusedName: false });
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

  const outage = (at: number, endAt: number): FaultRecord => ({ kind: 'redis-kill', at, endAt, detail: '' });
  const cut = (at: number): FaultRecord => ({ kind: 'cut', at, endAt: at, detail: '' });
  const killOf = (instance: number, at: number, held: string[] | null, duringOutage = false): KillRecord =>
    ({ instance, name: `c${instance}`, group: 'g', at, held, duringOutage, replacementReusedName: false });
  /** Entry 1-0 handled by instance 1 at `firstAt` (run started 1 ms before), then again by instance 2 at 3000. */
  const handledTwice = (firstAt: number, change: (e: Evidence) => void) => verify(evidence((e, lines) => {
    lines[0] = (lines[0] as string[]).map((line) => (line.startsWith('S 1-0') ? ledgerLine('S', '1-0', 0, 1, firstAt - 1) : line.startsWith('H 1-0') ? ledgerLine('H', '1-0', 0, 1, firstAt) : line));
    (lines[1] as string[]).push(ledgerLine('S', '1-0', 0, 2, 2999), ledgerLine('H', '1-0', 0, 2, 3000));
    change(e);
  }));

  it('classifies a duplicate by the time of the handlings, not by the order the ledgers are read in', () => {
    // Instance 3 (read last) handled 1-0 first, at 4000, and was SIGKILLed at 5000 holding it;
    // instance 1 (read first) handled it again at 6000.
    const byTime = (held: string[]) => verify(evidence((e, lines) => {
      lines[0] = (lines[0] as string[]).map((line) => (line.startsWith('S 1-0') ? ledgerLine('S', '1-0', 0, 2, 5900) : line.startsWith('H 1-0') ? ledgerLine('H', '1-0', 0, 2, 6000) : line));
      lines.push([ledgerLine('S', '1-0', 0, 1, 3900), ledgerLine('H', '1-0', 0, 1, 4000)]);
      e.kills = [killOf(3, 5000, held)];
    }));
    const explained = byTime(['1-0']);
    assert.equal(explained.duplicateCauses.afterKill, 1);
    assert.equal(explained.duplicateCauses.other + explained.duplicateCauses.sameProcess, 0);
    assert.equal(explained.maxHandledOutsideFaults, 1);
    // A kill explains a duplicate only of an entry the victim held when it died (its ack had landed otherwise).
    const notHeld = byTime([]);
    assert.equal(notHeld.duplicateCauses.afterKill, 0);
    assert.equal(notHeld.duplicateCauses.other, 1);
  });

  it('an outage or a cut explains a duplicate only when the earlier run overlapped it, up to one visibility timeout after', () => {
    // Visibility timeout 1000 ms; Redis down from 1000 to 1500 ms.
    assert.equal(handledTwice(700, (e) => { e.faults = [outage(1000, 1500)]; }).duplicateCauses.outage, 1, 'handled 300 ms before the outage: its ack was lost');
    assert.equal(handledTwice(2400, (e) => { e.faults = [outage(1000, 1500)]; }).duplicateCauses.outage, 1, 'run within the visibility timeout after it');
    const before = handledTwice(101, (e) => { e.faults = [outage(1000, 1500)]; });
    assert.equal(before.duplicateCauses.outage, 0, 'handled 900 ms before the outage: its ack had landed');
    assert.equal(before.duplicateCauses.other, 1);
    const after = handledTwice(2700, (e) => { e.faults = [outage(1000, 1500)]; });
    assert.equal(after.duplicateCauses.outage, 0, 'run started 1.2 s after Redis was back');
    assert.equal(handledTwice(2400, (e) => { e.faults = [cut(2000)]; }).duplicateCauses.cut, 1);
    assert.equal(handledTwice(101, (e) => { e.faults = [cut(2000)]; }).duplicateCauses.cut, 0);
  });

  it('no entry may be handled more than twice outside fault causes; the duplicate rate is bounded', () => {
    const thrice = (faults: FaultRecord[]) => verify(evidence((e, lines) => {
      (lines[1] as string[]).push(ledgerLine('S', '1-0', 0, 2, 2999), ledgerLine('H', '1-0', 0, 2, 3000));
      (lines[1] as string[]).push(ledgerLine('S', '1-0', 0, 3, 3999), ledgerLine('H', '1-0', 0, 3, 4000));
      e.faults = faults;
    }));
    const unexplained = thrice([]);
    assert.equal(unexplained.maxHandledPerEntry, 3);
    assert.equal(unexplained.maxHandledOutsideFaults, 3);
    assert.equal(unexplained.overTwiceOutsideFaults, 1);
    assert.match(duplicateFailures(unexplained, 1).join('\n'), /1 entries were handled more than twice outside fault causes/);
    // The second handling came from an outage during the first run: twice outside faults, allowed.
    const explained = thrice([outage(90, 200)]);
    assert.equal(explained.maxHandledOutsideFaults, 2);
    assert.deepEqual(duplicateFailures(explained, 1), []);

    const figures = { ...explained, duplicateRate: 0.006 };
    assert.match(duplicateFailures(figures, 0.005).join('\n'), /duplicates are 0\.600% of handled entries, more than 0\.500%/);
    assert.deepEqual(duplicateFailures({ ...figures, duplicateRate: 0.004 }, 0.005), []);
  });

  it('measures a kill during a Redis outage from Redis\'s return, and checks what the victim held', () => {
    const during = (restart: boolean) => verify(evidence((e, lines) => {
      e.faults = [outage(1000, 1500)];
      e.kills = [killOf(3, 1200, ['2-0'], true)];
      lines[0] = (lines[0] as string[]).filter((line) => !line.includes(' 2-0 '));
      lines.push([ledgerLine('S', '2-0', 1, 1, 900)]);
      if (restart) (lines[1] as string[]).push(ledgerLine('S', '2-0', 1, 2, 2000), ledgerLine('H', '2-0', 1, 2, 2001));
    }));
    const redelivered = during(true);
    assert.equal(redelivered.redelivery.killsDuringOutage, 1);
    assert.equal(redelivered.redelivery.measuredKills, 1);
    assert.equal(redelivered.redelivery.slowestMs, 500, 'from Redis\'s return at 1500, not from the kill at 1200');
    const dropped = during(false);
    assert.equal(dropped.redelivery.notRedelivered, 1, 'a kill during an outage is checked like any other');
    assert.match(faultFailures({ consumerKills: 1, redisKills: 1, cuts: 0 }, { redisKills: 1, cuts: 0, minConsumerKills: 1 }, dropped.redelivery).join('\n'),
      /1 entries held by killed consumers were never delivered again/);
  });

  it('an entry a killed consumer held may have been settled by another consumer\'s run only during a fault', () => {
    // Instance 1 ran 1-0 from 4500 to 5200; instance 3, SIGKILLed at 5000, held it (it had taken it
    // over); nobody started it after the kill: instance 1's XACK settled it.
    const takenFromLive = (faults: FaultRecord[]) => verify(evidence((e, lines) => {
      lines[0] = (lines[0] as string[]).map((line) => (line.startsWith('S 1-0') ? ledgerLine('S', '1-0', 0, 1, 4500) : line.startsWith('H 1-0') ? ledgerLine('H', '1-0', 0, 1, 5200) : line));
      lines.push([ledgerLine('S', '1-0', 0, 2, 4700)]);
      e.kills = [killOf(3, 5000, ['1-0'])];
      e.faults = faults;
    }));
    const inOutage = takenFromLive([outage(4000, 4600)]);
    assert.equal(inOutage.redelivery.notRedelivered, 0);
    assert.equal(inOutage.redelivery.settledByOther, 1);
    assert.equal(inOutage.redelivery.settledByOtherOutsideFaults, 0);
    const calm = takenFromLive([]);
    assert.equal(calm.redelivery.settledByOtherOutsideFaults, 1);
    assert.match(faultFailures({ consumerKills: 1, redisKills: 0, cuts: 0 }, { redisKills: 0, cuts: 0, minConsumerKills: 1 }, calm.redelivery).join('\n'),
      /had been taken from a live consumer's run away from any outage or cut/);
  });

  it('exempts a takeover only when the first run was live during the fault and the takeover came within one visibility timeout after it', () => {
    // Instance 1 runs 1-0 from 100 to 5000; instance 2 starts it at 2500 (visibility timeout 1000).
    const takeover = (faults: FaultRecord[]) => verify(evidence((e, lines) => {
      lines[0] = (lines[0] as string[]).map((line) => (line.startsWith('H 1-0') ? ledgerLine('H', '1-0', 0, 1, 5000) : line));
      (lines[1] as string[]).push(ledgerLine('S', '1-0', 0, 2, 2500), ledgerLine('H', '1-0', 0, 2, 2600));
      e.faults = faults;
    }));
    assert.equal(takeover([outage(2000, 2200)]).takenOverOutsideFaults, 0);
    assert.equal(takeover([outage(200, 600)]).takenOverOutsideFaults, 1, 'Redis was back 1.9 s before: leases had been renewed since');
    assert.equal(takeover([outage(2000, 2200)]).takenOverWhileRunning, 1);
  });

  it('requires the faults to have happened as configured, measured, and to have hit held entries', () => {
    const clean = verify(evidence((e) => { e.kills = [killOf(1, 1000, ['1-0'])]; })).redelivery;
    const planned = { redisKills: 1, cuts: 2, minConsumerKills: 1 };
    assert.deepEqual(faultFailures({ consumerKills: 1, redisKills: 1, cuts: 2 }, planned, clean), []);
    assert.match(faultFailures({ consumerKills: 1, redisKills: 0, cuts: 2 }, planned, clean).join('\n'), /0 Redis kills happened, 1 were configured/);
    assert.match(faultFailures({ consumerKills: 1, redisKills: 1, cuts: 3 }, planned, clean).join('\n'), /3 connection cuts happened, 2 were configured/);
    assert.match(faultFailures({ consumerKills: 0, redisKills: 1, cuts: 2 }, planned, clean).join('\n'), /only 0 of 1 consumer kills/);
    const idle = verify(evidence((e) => { e.kills = [killOf(1, 1000, [])]; })).redelivery;
    assert.match(faultFailures({ consumerKills: 1, redisKills: 1, cuts: 2 }, planned, idle).join('\n'), /held no entries: the kills proved nothing/);
    const unmeasured = verify(evidence((e) => { e.kills = [killOf(1, 1000, null)]; })).redelivery;
    const messages = faultFailures({ consumerKills: 1, redisKills: 1, cuts: 2 }, planned, unmeasured).join('\n');
    assert.match(messages, /no consumer kill was measured/);
    assert.match(messages, /1 consumer kills went unmeasured/);
  });

  it('generates exactly floor(n · rate) poison messages, deterministically', () => {
    const options = { seed: 1, poisonRate: 0.01, longRate: 0.001, visibilityTimeoutMs: 2000 };
    const payloads = makePayloads(20_000, options);
    assert.equal(payloads.filter((p) => p.p === 1).length, 200);
    assert.deepEqual(makePayloads(500, options), payloads.slice(0, 500));
    assert.ok(payloads.some((p) => (p.ms ?? 0) >= 2000), 'some handlers outlast the visibility timeout');
  });
});
