/**
 * One behaviour everywhere: groups start at 0 (as `consume` and the library), every command on a
 * missing stream or group says so and exits 4, help shows every default, and Ctrl-C on `demo`
 * exits 130 after cleaning up its private redis-server.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { Command, Option } from 'commander';
import { buildProgram } from '../../src/cli/program.js';
import { waitFor } from '../support/poll.js';
import { uniqueName, useRedis, type UsedRedis } from '../support/redis-server.js';
import { dropStream, parseJson, ROOT, runCli } from './helpers.js';

let redis: UsedRedis;
const streams: string[] = [];

before(async () => {
  redis = await useRedis();
});

after(async () => {
  for (const name of streams) await dropStream(redis.url, name).catch(() => undefined);
  await redis.close();
});

describe('one default start for groups', () => {
  it('groups create starts at 0, like consume and the library', async () => {
    const s = uniqueName('cli-default');
    streams.push(s);
    await runCli(['--url', redis.url, 'send', s, '1', '2']);
    const created = await runCli(['--url', redis.url, 'groups', 'create', s, 'g']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /created group g on .* at 0/);
    const listed = parseJson<{ groups: { lastDeliveredId: string; lag: number }[] }>(await runCli(['--url', redis.url, '--json', 'groups', 'list', s]));
    assert.deepEqual(listed.groups.map((g) => [g.lastDeliveredId, g.lag]), [['0-0', 2]], 'the messages already in the stream are delivered');
  });
});

describe('missing streams and groups', () => {
  it('every command on a stream that does not exist says so and exits 4', async () => {
    const s = uniqueName('cli-missing');
    const commands = [
      ['stats', s], ['pending', s, '--group', 'g'], ['groups', 'list', s], ['groups', 'delete', s, 'g', '--yes'],
      ['groups', 'reset', s, 'g', '--to', '0', '--yes'], ['groups', 'delete-consumer', s, 'g', 'c'], ['groups', 'prune', s, 'g', '--idle', '1m'],
      ['trim', s, '--max-len', '1'],
    ];
    for (const args of commands) {
      const result = await runCli(['--url', redis.url, ...args]);
      assert.equal(result.code, 4, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stderr.trim(), `streamq: stream ${s} does not exist`, args.join(' '));
    }
  });

  it('a missing group of an existing stream says so and exits 4', async () => {
    const s = uniqueName('cli-nogroup');
    streams.push(s);
    await runCli(['--url', redis.url, 'send', s, '1']);
    for (const args of [['pending', s, '--group', 'nope'], ['groups', 'delete', s, 'nope', '--yes'], ['groups', 'prune', s, 'nope', '--idle', '1m']]) {
      const result = await runCli(['--url', redis.url, ...args]);
      assert.equal(result.code, 4, args.join(' '));
      assert.equal(result.stderr.trim(), `streamq: group nope does not exist on stream ${s}`);
    }
  });
});

/** Options that take a value but have no default by design: one of them must be given. */
const CHOICE_OPTIONS = new Set(['dead-letters replay --id', 'dead-letters purge --id', 'trim --max-len', 'trim --min-id']);

/** Every command of the program, with its full name (`groups create`). */
const commandsOf = (command: Command, prefix = ''): { name: string; command: Command }[] =>
  command.commands.flatMap((sub) => {
    const name = `${prefix}${sub.name()}`;
    return [{ name, command: sub }, ...commandsOf(sub, `${name} `)];
  });

describe('help', () => {
  it('shows the default of every option that has one', () => {
    const program = buildProgram();
    const missing: string[] = [];
    const check = (where: string, option: Option): void => {
      const takesValue = option.required || option.optional;
      if (!takesValue || option.mandatory || CHOICE_OPTIONS.has(`${where} ${option.long}`)) return;
      const shown = program.createHelp().optionDescription(option);
      if (!/\(default: [^)]+\)|default: /.test(shown)) missing.push(`${where} ${option.long}: ${shown}`);
    };
    for (const option of program.options as Option[]) check('streamq', option);
    for (const { name, command } of commandsOf(program)) for (const option of command.options as Option[]) check(name, option);
    assert.deepEqual(missing, []);
  });

  it('renders the defaults in --help', async () => {
    const help = await runCli(['groups', 'create', '--help']);
    assert.match(help.stdout, /--start-at <id>[\s\S]*\(default:\s+"0"\)/);
    const send = await runCli(['send', '--help']);
    assert.match(send.stdout, /--max-payload-bytes <n>[\s\S]*\(default:\s+1048576\)/);
    const consume = await runCli(['consume', '--help']);
    assert.match(consume.stdout, /--visibility-timeout <ms>[\s\S]*\(default:\s+30000/);
  });
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('streamq demo and Ctrl-C', () => {
  it('SIGINT after it started: exit 130, its keys and its private redis-server gone', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--private'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, REDIS_URL: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      await waitFor(() => /sent batch 1/.test(stdout), { deadlineMs: 30_000, description: 'the demo sending' });
      const pid = Number(/Started redis-server \(pid (\d+)\)/.exec(stdout)?.[1]);
      const url = /on (redis:\/\/127\.0\.0\.1:\d+);/.exec(stdout)?.[1];
      assert.ok(pid > 0 && url, stdout);
      child.kill('SIGINT');
      assert.equal(await exited, 130, stdout + stderr);
      assert.match(stderr, /interrupted: the demo stopped early and cleaned up/);
      assert.match(stdout, /Deleted the demo's keys/);
      assert.match(stdout, new RegExp(`Stopped the private redis-server \\(pid ${pid}\\)`));
      assert.equal(alive(pid), false, 'no leftover redis-server');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
