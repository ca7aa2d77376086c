/**
 * The features torture run, small (part of `npm test`): delayed sends, dedup keys sent twice,
 * a batchHandler group and a `for await` group, both deleteOnAck, and the producer's
 * retention.maxLen — while consumers are SIGKILLed, Redis is killed -9 and restarted from its AOF
 * and every connection is cut. Nothing may be lost in either group, nothing trimmed or deleted
 * before both groups acknowledged it, no delayed message handled early, no dedup key stored twice.
 * (`npm run torture -- --config features` is the large run.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FEATURES_SMALL } from './features-config.js';
import { runFeaturesTorture } from './features-engine.js';
import { formatFeaturesReport } from './features-judge.js';

describe('torture (features, small configuration)', () => {
  it('delayed, deduplicated, batched, iterated, deleted-on-ack and retained messages survive kills, a Redis restart and cuts', { timeout: 120_000 }, async (t) => {
    const report = await runFeaturesTorture(FEATURES_SMALL);
    for (const line of formatFeaturesReport(report).split('\n')) t.diagnostic(line);

    assert.equal(report.send.sent, FEATURES_SMALL.n, 'every message was acknowledged by Redis');
    for (const group of report.groups) {
      assert.equal(group.lost, 0, `group ${group.group} lost messages, e.g. ${group.lostSample.join(', ')}`);
      assert.equal(group.handledUnique, FEATURES_SMALL.n, `group ${group.group} handled every message`);
      assert.equal(group.pendingLeft, 0, `group ${group.group} has nothing pending`);
      assert.equal(group.overTwiceOutsideFaults, 0, `group ${group.group}: no entry handled more than twice outside fault causes`);
      assert.equal(group.takenOverOutsideFaults, 0, `group ${group.group}: no running handler taken over outside faults`);
    }
    assert.equal(report.trimmedWhilePending, 0, `nothing trimmed or deleted before both groups acknowledged it: ${report.trimSample.join(', ')}`);
    assert.ok(report.trimSamples >= 10, 'the trim-safety check ran');
    assert.ok(report.finalLength <= FEATURES_SMALL.maxLen, `the stream stayed bounded (${report.finalLength})`);
    assert.ok(report.delayed.count > 0 && report.delayed.early === 0, `no delayed message handled early: ${report.delayed.earlySample.join('; ')}`);
    assert.equal(report.delayedLeft, 0, 'every delayed message became due');
    assert.ok(report.dedup.count > 0);
    assert.equal(report.dedup.secondSendDiffers + report.dedup.extraEntries, 0, `each dedup key made one entry: ${report.dedup.sample.join('; ')}`);
    assert.equal(report.faults.redisKills, FEATURES_SMALL.redisKills, 'Redis was killed and restarted');
    assert.equal(report.faults.cuts, FEATURES_SMALL.cuts, 'connections were cut');
    assert.ok(report.faults.consumerKills >= FEATURES_SMALL.minConsumerKills, 'consumers were killed');
    assert.deepEqual(report.unexpectedExits, [], 'no consumer process exited on its own');
    assert.deepEqual(report.failures, []);
    assert.ok(report.ok);
  });
});
