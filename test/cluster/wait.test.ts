/**
 * Opt-in WAIT-based sends (`waitForReplicas`): after XADD (or the send-many script) the producer
 * sends WAIT to the same master and rejects with a ReplicationError when too few replicas
 * acknowledged in time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin, InvalidOptionError, MetricsRegistry, Producer } from '../../src/index.js';
import { ReplicationError } from '../../src/producer.js';
import { keySlot } from '../../src/keys.js';
import { LocalCluster, parseClusterNodes } from '../support/cluster.js';
import { uniqueName } from '../support/redis-server.js';

let cluster: LocalCluster;
before(async () => { cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1 }); });
after(() => cluster?.stop());

const producerFor = (stream: string, replicas: number, timeoutMs: number) =>
  new Producer<{ n: number }>({ stream, redis: { rootNodes: cluster.rootNodes() }, waitForReplicas: { replicas, timeoutMs }, registry: new MetricsRegistry() });

describe('waitForReplicas', { timeout: 100_000 }, () => {
  it('validates the option', () => {
    assert.throws(() => new Producer({ stream: 's', waitForReplicas: { replicas: 0, timeoutMs: 10 } }), InvalidOptionError);
    assert.throws(() => new Producer({ stream: 's', waitForReplicas: { replicas: 1, timeoutMs: 0 } }), InvalidOptionError);
  });

  it('resolves when the replica acknowledged the write (send and sendMany)', async () => {
    const producer = producerFor(uniqueName('wait-ok'), 1, 1_000);
    try {
      assert.match(await producer.send({ n: 1 }), /^\d+-\d+$/);
      assert.equal((await producer.sendMany([{ n: 2 }, { n: 3 }])).length, 2);
    } finally {
      await producer.close();
    }
  });

  it('rejects with a ReplicationError when fewer replicas acknowledged; the entry is on the master', async () => {
    const stream = uniqueName('wait-two');
    // WAIT waits its whole timeout here (2 replicas wanted, 1 exists): long enough for the one
    // replica to acknowledge on a loaded machine (100 ms was not, under a full test run).
    const producer = producerFor(stream, 2, 1_000);
    try {
      const error = await producer.send({ n: 1 }).then(() => assert.fail('expected a ReplicationError'), (e: unknown) => e);
      assert.ok(error instanceof ReplicationError, String(error));
      assert.equal(error.acknowledged, 1);
      assert.equal(error.required, 2);
      assert.equal(error.ids.length, 1);
      assert.equal(error.code, 'ERR_STREAMQ_TIMEOUT');
      assert.match(error.message, /Only 1 of 2 required replicas acknowledged entry .* within 1000 ms/);
      const admin = new Admin({ redis: { rootNodes: cluster.rootNodes() } });
      try {
        assert.deepEqual((await admin.read(stream)).map((e) => e.id), error.ids, 'the entry was written on the master');
      } finally {
        await admin.close();
      }
    } finally {
      await producer.close();
    }
  });

  it('rejects when the stream master lost its replica', async () => {
    const stream = uniqueName('wait-gone');
    const slot = keySlot(stream);
    // The first send must be acknowledged by the live replica: a timeout a loaded machine meets.
    const producer = producerFor(stream, 1, 2_000);
    try {
      await producer.send({ n: 0 });
      // Find the master serving the slot and SIGKILL its replica.
      const any = cluster.nodes[0];
      assert.ok(any);
      const lines = String(await any.command('CLUSTER', 'NODES')).trim().split('\n');
      const entries = parseClusterNodes(lines.join('\n'));
      const masterLine = lines.find((line) => line.split(' ').slice(8).some((range) => {
        const [from, to = from] = range.split('-').map(Number) as [number, number?];
        return slot >= from && slot <= (to as number);
      }));
      const masterId = masterLine?.split(' ')[0];
      const replica = entries.find((e) => e.masterId === masterId);
      const node = cluster.nodes.find((n) => n.port === replica?.port);
      assert.ok(node, 'found the replica');
      await node.kill();
      const error = await producer.send({ n: 1 }).then(() => assert.fail('expected a ReplicationError'), (e: unknown) => e);
      assert.ok(error instanceof ReplicationError, String(error));
      assert.equal(error.acknowledged, 0);
    } finally {
      await producer.close();
    }
  });
});
