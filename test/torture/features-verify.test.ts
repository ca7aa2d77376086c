/**
 * The features torture verdict's own tests (no server): each failure the features run must catch
 * is planted in synthetic evidence and must be found (a delayed message handled early, a dedup key
 * stored twice, a message one group never handled, a pending entry that lost its data, …).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FEATURES_SMALL } from './features-config.js';
import type { FeaturesReport } from './features-engine.js';
import { featuresFailures } from './features-judge.js';
import type { FeaturesPayload } from './features-protocol.js';
import { verifyFeatures, type FeaturesEvidence } from './features-verify.js';
import { ledgerLine } from './protocol.js';
import { newSendStats } from './sender.js';

const dir = mkdtempSync(join(tmpdir(), 'streamq-features-verify-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Three messages: #0 plain (entry 1-0), #1 delayed 500 ms (due at 1500, promoted as 5-0),
 * #2 a dedup key (entry 2-0, both sends returned 2-0); each group (one ledger each) handles all.
 */
function evidence(change: (e: FeaturesEvidence, lines: string[][]) => void = () => undefined): FeaturesEvidence {
  const payloads: FeaturesPayload[] = [{ n: 0 }, { n: 1, delayMs: 500 }, { n: 2, dedup: 'k2' }];
  const handled = (at: number) => [
    ledgerLine('S', '1-0', 0, 1, at), ledgerLine('H', '1-0', 0, 1, at + 1),
    ledgerLine('S', '5-0', 1, 1, 1600), ledgerLine('H', '5-0', 1, 1, 1601),
    ledgerLine('S', '2-0', 2, 1, at), ledgerLine('H', '2-0', 2, 1, at + 1),
  ];
  const lines = [handled(100), handled(200)];
  const e: FeaturesEvidence = {
    payloads, dueAt: [undefined, 1500, undefined], dedupIds: [undefined, undefined, ['2-0', '2-0']], groups: [], faults: [],
    visibilityTimeoutMs: 1000, earlyToleranceMs: 1, deadLetters: 0, trimmedWhilePending: [], trimSamples: 50, finalLength: 0, delayedLeft: 0,
  };
  change(e, lines);
  const run = mkdtempSync(join(dir, 'case-'));
  e.groups = lines.map((text, i) => {
    const path = join(run, `ledger-${i + 1}.txt`);
    writeFileSync(path, text.join(''));
    return { group: `g${i + 1}`, ledgers: [{ instance: i + 1, name: `c${i + 1}`, path, killedAt: undefined }], kills: [], pendingLeft: 0, allDelivered: true };
  });
  return e;
}

/** A report around a verdict, with faults that satisfy FEATURES_SMALL and kills that hit entries in both groups. */
function report(e: FeaturesEvidence, change: (r: FeaturesReport) => void = () => undefined): FeaturesReport {
  const verdict = verifyFeatures(e);
  for (const g of verdict.groups) Object.assign(g.redelivery, { kills: 2, measuredKills: 2, entries: 5 });
  const stats = newSendStats(FEATURES_SMALL.n);
  stats.sent = FEATURES_SMALL.n;
  const { ids: _ids, ...send } = stats;
  const r: FeaturesReport = {
    ...verdict, ok: false, failures: [], config: FEATURES_SMALL, send, faultLog: [], killLog: [],
    faults: { consumerKills: FEATURES_SMALL.minConsumerKills, redisKills: FEATURES_SMALL.redisKills, cuts: FEATURES_SMALL.cuts },
    counters: { sent: 0, delivered: 0, acked: 0, retried: 0, reclaimed: 0, deadLettered: 0, failed: 0, deletedWhilePending: 0, leasesRenewed: 0, leasesLost: 0, ticksSent: 0, heldByRateLimit: 0, heldByKeyConcurrency: 0 },
    consumerErrors: {}, consumerProcesses: 4, unexpectedExits: [], wallMs: 0, totalMs: 0, runDir: '',
  };
  change(r);
  return r;
}

const failures = (r: FeaturesReport): string => featuresFailures(r, FEATURES_SMALL).join('\n');

describe('features torture verdict', () => {
  it('passes clean evidence', () => {
    const v = verifyFeatures(evidence());
    assert.deepEqual(v.groups.map((g) => [g.lost, g.duplicates]), [[0, 0], [0, 0]]);
    assert.equal(v.delayed.count, 1);
    assert.equal(v.delayed.early, 0);
    assert.equal(v.delayed.maxLateMs, 100);
    assert.equal(v.dedup.count, 1);
    assert.equal(v.producerDuplicates, 0);
    assert.deepEqual(featuresFailures(report(evidence()), FEATURES_SMALL), []);
  });

  it('finds a message one group never handled', () => {
    const v = verifyFeatures(evidence((_e, lines) => { lines[1] = (lines[1] as string[]).filter((line) => !line.includes(' 1-0 ')); }));
    assert.equal(v.groups[0]?.lost, 0);
    assert.equal(v.groups[1]?.lost, 1);
    assert.deepEqual(v.groups[1]?.lostSample, [0]);
  });

  it('finds a delayed message started before its due time (beyond the tolerance), and measures lateness', () => {
    const early = verifyFeatures(evidence((_e, lines) => {
      lines[1] = (lines[1] as string[]).map((line) => line.replace(/^S 5-0 1 1 1600/, 'S 5-0 1 1 1498'));
    }));
    assert.equal(early.delayed.early, 1);
    assert.match(failures(report(evidence((_e, lines) => {
      lines[1] = (lines[1] as string[]).map((line) => line.replace(/^S 5-0 1 1 1600/, 'S 5-0 1 1 1498'));
    }))), /1 delayed messages were handled early \(message 1 \(delay 500 ms\) started 2 ms before it was due\)/);
    const withinTolerance = verifyFeatures(evidence((_e, lines) => {
      lines[1] = (lines[1] as string[]).map((line) => line.replace(/^S 5-0 1 1 1600/, 'S 5-0 1 1 1499'));
    }));
    assert.equal(withinTolerance.delayed.early, 0);
  });

  it('finds a dedup key stored as two entries, or a second send that returned another ID', () => {
    const twoEntries = verifyFeatures(evidence((_e, lines) => { (lines[0] as string[]).push(ledgerLine('S', '3-0', 2, 1, 300), ledgerLine('H', '3-0', 2, 1, 301)); }));
    assert.equal(twoEntries.dedup.extraEntries, 1);
    const otherId = verifyFeatures(evidence((e) => { e.dedupIds = [undefined, undefined, ['2-0', '3-0']]; }));
    assert.equal(otherId.dedup.secondSendDiffers, 1);
    assert.match(failures(report(evidence((e) => { e.dedupIds = [undefined, undefined, ['2-0', '3-0']]; }))), /dedup keys sent twice made more than one entry/);
    // A plain message stored twice (a send retried after its reply was lost) is a producer-side duplicate, not a dedup failure.
    const plain = verifyFeatures(evidence((_e, lines) => { (lines[0] as string[]).push(ledgerLine('S', '4-0', 0, 1, 300), ledgerLine('H', '4-0', 0, 1, 301)); }));
    assert.equal(plain.producerDuplicates, 1);
    assert.equal(plain.dedup.extraEntries, 0);
  });

  it('fails on a pending entry that lost its data, entries deleted while pending, a stream past maxLen, dead letters or delayed messages left', () => {
    assert.match(failures(report(evidence((e) => { e.trimmedWhilePending = ['g2 7-0']; }))), /1 pending entries lost their data .*: g2 7-0/);
    assert.match(failures(report(evidence((e) => { e.trimSamples = 3; }))), /sampled only 3 times/);
    assert.match(failures(report(evidence(), (r) => { r.counters.deletedWhilePending = 2; })), /consumers met 2 entries deleted while pending/);
    assert.match(failures(report(evidence((e) => { e.finalLength = FEATURES_SMALL.maxLen + 1; }))), /more than retention.maxLen/);
    assert.match(failures(report(evidence((e) => { e.deadLetters = 1; }))), /1 dead letters/);
    assert.match(failures(report(evidence((e) => { e.delayedLeft = 1; }))), /1 delayed messages never became due/);
  });

  it('requires each group to have been hit by a kill, and the duplicate rate to stay bounded', () => {
    assert.match(failures(report(evidence(), (r) => { (r.groups[1] as FeaturesReport['groups'][number]).redelivery.entries = 0; })), /group g2: no killed consumer held an entry/);
    assert.match(failures(report(evidence(), (r) => { r.duplicateRate = FEATURES_SMALL.maxDuplicateRate + 0.001; })), /consumer-side duplicates are/);
    const unexplained = verifyFeatures(evidence((_e, lines) => { (lines[0] as string[]).push(ledgerLine('S', '1-0', 0, 2, 400), ledgerLine('H', '1-0', 0, 2, 401)); }));
    assert.equal(unexplained.unexplainedDuplicateRate, 1 / 6);
    assert.match(failures(report(evidence((_e, lines) => { (lines[0] as string[]).push(ledgerLine('S', '1-0', 0, 2, 400), ledgerLine('H', '1-0', 0, 2, 401)); }))),
      /duplicates no fault explains are 16\.667% of handled entries, more than 0\.500%/);
  });
});
