/**
 * The small torture run, on every `npm test`: 20 000 messages through 4 consumer processes while
 * consumers are SIGKILLed, Redis is SIGKILLed and restarted from its AOF, and every connection is
 * cut; 1% poison messages. Nothing may be lost, nothing may stay pending, and the dead letters
 * must be exactly the poison messages. (`npm run torture` is the full 200 000-message run.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SMALL_CONFIG } from './config.js';
import { runTorture } from './engine.js';
import { formatReport } from './report.js';

describe('torture (small configuration)', () => {
  it('loses nothing through consumer kills, a Redis kill -9 and restart, and connection cuts', { timeout: 180_000 }, async (t) => {
    const report = await runTorture(SMALL_CONFIG);
    for (const line of formatReport(report).split('\n')) t.diagnostic(line);

    assert.equal(report.sent, SMALL_CONFIG.n, 'every message was acknowledged by Redis');
    assert.equal(report.acknowledgedButMissing, 0, 'no acknowledged send is missing from the stream');
    assert.equal(report.lost, 0, `lost messages, e.g. ${report.lostSample.join(', ')}`);
    assert.equal(report.lostEntries, 0, 'every stream entry was handled or dead-lettered');
    assert.equal(report.handledUnique, report.nonPoison, 'every non-poison message was handled');
    assert.equal(report.pendingLeft, 0, 'nothing is left pending');
    assert.ok(report.allDelivered, 'the group read the whole stream');
    assert.equal(report.poison, Math.floor(SMALL_CONFIG.n * SMALL_CONFIG.poisonRate));
    assert.equal(report.deadLetters, report.poisonEntries, 'dead letters = poison entries');
    assert.ok(report.deadLettersExact, 'the dead letters are exactly the poison entries, each once');
    assert.equal(report.adminStats.deadLetters, report.deadLetters, 'Admin.stats agrees on the dead letters');
    assert.equal(report.redelivery.notRedelivered, 0, 'whatever a killed consumer held was delivered again (or settled by a call in flight)');
    assert.equal(report.redelivery.settledByOtherOutsideFaults, 0, 'no killed consumer had taken an entry from a live one outside a fault');
    assert.equal(report.takenOverOutsideFaults, 0, 'leases keep running handlers (long ones included) from being taken over');
    assert.equal(report.overTwiceOutsideFaults, 0, `no entry handled more than twice outside fault causes (${report.unexplainedDuplicateSample.join('; ')})`);
    assert.ok(report.duplicateRate <= SMALL_CONFIG.maxDuplicateRate, `consumer-side duplicates ${report.duplicateRate} of handled`);
    assert.deepEqual(report.unexpectedExits, [], 'no consumer process exited on its own');
    // The faults happened and hit something.
    assert.equal(report.faults.redisKills, SMALL_CONFIG.redisKills, 'Redis was killed and restarted');
    assert.equal(report.faults.cuts, SMALL_CONFIG.cuts, 'connections were cut');
    assert.ok(report.faults.consumerKills >= SMALL_CONFIG.minConsumerKills, 'consumers were killed');
    assert.ok(report.redelivery.measuredKills > 0 && report.redelivery.unmeasuredKills === 0, 'every kill was measured');
    assert.ok(report.redelivery.entries > 0, 'the killed consumers held entries');
    assert.deepEqual(report.failures, []);
    assert.ok(report.ok);
  });
});
