/**
 * A local Redis Cluster of private `redis-server` processes, for cluster and failover tests.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { waitFor } from './poll.js';
import { RedisServer, type RedisServerOptions } from './redis-server.js';
import { parseInfo } from './resp.js';

const execFileAsync = promisify(execFile);
const SLOTS = 16384;
const START_DEADLINE_MS = 60_000;
const FAILOVER_DEADLINE_MS = 30_000;

/** Options for {@link LocalCluster.start}. */
export interface LocalClusterOptions {
  /** Number of masters (default 3; redis-cli requires at least 3). */
  masters?: number;
  /** Replicas per master (default 1). */
  replicasPerMaster?: number;
  /** Enable AOF on every node (default false). */
  appendOnly?: boolean;
  /** Extra options for every node (port, dir and cluster are set by the cluster). */
  nodeOptions?: Omit<RedisServerOptions, 'port' | 'dir' | 'cluster' | 'clusterPort' | 'replicaOf'>;
}

/** One line of CLUSTER NODES. */
export interface ClusterNodeEntry {
  id: string;
  port: number;
  flags: string[];
  masterId: string | undefined;
  /** Whether the node serves at least one slot. */
  hasSlots: boolean;
}

/** Parses the CLUSTER NODES text. */
export function parseClusterNodes(text: string): ClusterNodeEntry[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const [id = '', address = '', flags = '', master = '-', , , , , ...slots] = line.split(' ');
      const port = Number(address.split('@')[0]?.split(':').at(-1));
      const masterId = master === '-' ? undefined : master;
      return { id, port, flags: flags.split(','), masterId, hasSlots: slots.length > 0 };
    });
}

/** Whether a CLUSTER NODES entry is considered failed. */
function isFailed(entry: ClusterNodeEntry): boolean {
  return entry.flags.includes('fail') || entry.flags.includes('fail?') || entry.flags.includes('noaddr');
}

/**
 * `masters * (1 + replicasPerMaster)` cluster-enabled redis-servers joined with
 * `redis-cli --cluster create`.
 *
 * @example
 * const cluster = await LocalCluster.start();
 * const client = createCluster({ rootNodes: cluster.rootNodes() });
 */
export class LocalCluster {
  readonly nodes: RedisServer[];

  private constructor(nodes: RedisServer[]) {
    this.nodes = nodes;
  }

  /**
   * Starts the nodes, creates the cluster and waits (deadline 60 s) until every node reports
   * `cluster_state:ok` with all slots covered and every replica is in sync with its master.
   */
  static async start(options: LocalClusterOptions = {}): Promise<LocalCluster> {
    const { masters = 3, replicasPerMaster = 1 } = options;
    const nodeOptions: RedisServerOptions = {
      ...options.nodeOptions,
      cluster: true,
      appendOnly: options.appendOnly ?? false,
    };
    const started = await Promise.allSettled(
      Array.from({ length: masters * (1 + replicasPerMaster) }, () => RedisServer.start(nodeOptions)),
    );
    const cluster = new LocalCluster(
      started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : [])),
    );
    try {
      const failure = started.find((result) => result.status === 'rejected');
      if (failure) throw failure.reason;
      await cluster.#create(replicasPerMaster);
      await cluster.#waitUntilHealthy(START_DEADLINE_MS, 'the new cluster to be ok');
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** URLs of the running nodes, for `createCluster({ rootNodes })`. */
  rootNodes(): { url: string }[] {
    return this.#running().map((node) => ({ url: node.url }));
  }

  /** Running nodes that are masters serving slots, per CLUSTER NODES of a running node (node order). */
  async masters(): Promise<RedisServer[]> {
    const entries = await this.#clusterNodes(this.#anyRunning());
    const serving = entries.filter((e) => e.flags.includes('master') && e.hasSlots && !isFailed(e));
    const masterPorts = new Set(serving.map((e) => e.port));
    return this.#running().filter((node) => masterPorts.has(node.port));
  }

  /** SIGKILLs the `index`-th master (default 0, in {@link masters} order) and returns it. */
  async killMaster(index = 0): Promise<RedisServer> {
    const masters = await this.masters();
    const victim = masters[index];
    if (!victim) throw new Error(`killMaster: no master #${index} (have ${masters.length})`);
    await victim.kill();
    return victim;
  }

  /**
   * Waits until every running node reports `cluster_state:ok` with all slots covered and every
   * slot-serving master is a running node (i.e. replicas were promoted for killed masters).
   */
  async waitForFailover(deadlineMs = FAILOVER_DEADLINE_MS): Promise<void> {
    await this.#waitUntilHealthy(deadlineMs, 'failover (cluster_state:ok, all slots on running masters)');
  }

  /** Stops every node (in parallel) and removes their data dirs. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()));
  }

  /** Runs `redis-cli --cluster create` over all nodes. */
  async #create(replicasPerMaster: number): Promise<void> {
    const addresses = this.nodes.map((node) => `${node.host}:${node.port}`);
    const args = ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicasPerMaster)];
    args.push('--cluster-yes');
    const { password, tls } = this.nodes[0]?.options ?? {};
    if (password !== undefined) args.push('-a', password, '--no-auth-warning');
    if (tls) args.push('--tls', '--cacert', tls.ca);
    try {
      await execFileAsync('redis-cli', args, { timeout: START_DEADLINE_MS });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`redis-cli --cluster create failed: ${(error as Error).message}\n${stdout}\n${stderr}`);
    }
  }

  /** Nodes whose process is alive. */
  #running(): RedisServer[] {
    return this.nodes.filter((node) => node.running);
  }

  /** Some running node, or an error if none is. */
  #anyRunning(): RedisServer {
    const node = this.#running()[0];
    if (!node) throw new Error('LocalCluster: no node is running');
    return node;
  }

  /** CLUSTER NODES of one node, parsed. */
  async #clusterNodes(node: RedisServer): Promise<ClusterNodeEntry[]> {
    return parseClusterNodes(String(await node.command('CLUSTER', 'NODES')));
  }

  /** Polls {@link #isHealthy} until it holds. */
  async #waitUntilHealthy(deadlineMs: number, description: string): Promise<void> {
    await waitFor(() => this.#isHealthy(), { deadlineMs, intervalMs: 200, description });
  }

  /** True when every running node is healthy from its own point of view. */
  async #isHealthy(): Promise<boolean> {
    const running = this.#running();
    if (running.length === 0) return false;
    const runningPorts = new Set(running.map((node) => node.port));
    const verdicts = await Promise.all(running.map((node) => this.#nodeIsHealthy(node, runningPorts)));
    return verdicts.every(Boolean);
  }

  /**
   * One node's view: cluster_state ok, all slots ok, every slot-serving master alive, and (if it
   * is a replica) its replication link up.
   */
  async #nodeIsHealthy(node: RedisServer, runningPorts: Set<number>): Promise<boolean> {
    const info = parseInfo(String(await node.command('CLUSTER', 'INFO')));
    if (info.get('cluster_state') !== 'ok' || info.get('cluster_slots_ok') !== String(SLOTS)) return false;
    if (info.get('cluster_known_nodes') !== String(this.nodes.length)) return false;
    const entries = await this.#clusterNodes(node);
    const slotMasters = entries.filter((e) => e.flags.includes('master') && e.hasSlots);
    if (slotMasters.some((e) => isFailed(e) || !runningPorts.has(e.port))) return false;
    const self = entries.find((e) => e.flags.includes('myself'));
    if (!self?.flags.includes('slave')) return true;
    const replication = parseInfo(String(await node.command('INFO', 'replication')));
    return replication.get('master_link_status') === 'up';
  }
}
