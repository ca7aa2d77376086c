/**
 * The package as users get it: `npm pack` (which builds through `prepare`), then throwaway apps
 * that install the tarball the way npm does (`npm ci --offline` from a lockfile made of this
 * repository's own, so no registry is needed once `npm ci` has filled the cache):
 * - a CommonJS app `require`s `streamq` and `streamq/dashboard` (Node ≥ 20.19 loads ES modules
 *   with require());
 * - an ES module app imports both;
 * - the `streamq` bin runs: `--help` exits 0, and `stats` reads a stream a CommonJS app wrote to
 *   a test redis-server;
 * - the tarball holds LICENSE, the repository links, and source maps whose sources are in it;
 *   README links that lead into the repository are absolute (they work on the npm page).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { useRedis, uniqueName, type UsedRedis } from '../support/redis-server.js';

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let work: string;
let tarball: string;
let unpacked: string;
let app: string;
let redis: UsedRedis;

/** Every file under `dir`, as POSIX paths relative to it. */
function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path, base) : [relative(base, path).split('\\').join('/')];
  });
}

/** An app that depends on the tarball, with a lockfile from this repository's (production entries only). */
function writeApp(dir: string, tgz: string): void {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; devOptional?: boolean }> };
  const spec = `file:${posix.basename(tgz)}`;
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: 'app', dependencies: { streamq: spec } },
    'node_modules/streamq': {
      version: manifest.version, resolved: spec, integrity, license: manifest.license, dependencies: manifest.dependencies, bin: manifest.bin,
      peerDependencies: manifest.peerDependencies, peerDependenciesMeta: manifest.peerDependenciesMeta,
    },
  };
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key.startsWith('node_modules/') && !entry.dev && !entry.devOptional) packages[key] = entry;
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, dependencies: { streamq: spec } }, null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages }, null, 2));
}

/** Installs the app's dependencies: from the npm cache only, else (a cache without them) from the registry. */
async function install(dir: string): Promise<void> {
  const args = ['ci', '--no-audit', '--no-fund', '--loglevel=error'];
  try {
    await run(NPM, [...args, '--offline'], { cwd: dir, timeout: 60_000 });
  } catch (offline) {
    if (!/ENOTCACHED/.test(String((offline as { stderr?: string }).stderr))) throw offline;
    await run(NPM, [...args, '--prefer-offline'], { cwd: dir, timeout: 60_000 });
  }
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'streamq-pack-'));
  redis = await useRedis();
  // `npm pack` runs `prepare` (the build), as `npm publish` does.
  await run(NPM, ['pack', '--pack-destination', work, '--loglevel=error'], { cwd: ROOT, timeout: 120_000 });
  const name = readdirSync(work).find((file) => file.endsWith('.tgz'));
  assert.ok(name, 'npm pack wrote a tarball');
  tarball = join(work, name);
  unpacked = join(work, 'unpacked');
  mkdirSync(unpacked);
  await run('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1']);
  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, posix.basename(tarball)), readFileSync(tarball));
  writeApp(app, tarball);
  await install(app);
});

after(async () => {
  await redis?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds the license, the repository links, the entry points, the Lua scripts and the dashboard page; no tests', () => {
    const files = new Set(listFiles(unpacked));
    for (const file of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/dashboard/server.js',
      'dist/cli/main.js', 'dist/scripts/safe-trim.lua', 'dist/dashboard/assets/page.html', 'dist/dashboard/assets/page.js']) {
      assert.ok(files.has(file), `${file} is in the tarball`);
    }
    assert.ok(![...files].some((file) => file.startsWith('test/') || file.endsWith('.test.ts')), 'no test files');
    assert.match(readFileSync(join(unpacked, 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) 2026 streamq contributors\n/);
    const manifest = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')) as Record<string, { url?: string } | string>;
    assert.equal((manifest.repository as { url: string }).url, 'git+https://github.com/streamq/streamq.git');
    assert.equal(manifest.homepage, 'https://github.com/streamq/streamq#readme');
    assert.equal((manifest.bugs as { url: string }).url, 'https://github.com/streamq/streamq/issues');
    assert.equal(manifest.license, 'MIT');
  });

  it('every source map resolves: each .js names its map, and every source of every map is in the tarball', () => {
    const files = new Set(listFiles(unpacked));
    const scripts = [...files].filter((file) => file.startsWith('dist/') && file.endsWith('.js') && !file.startsWith('dist/dashboard/assets/'));
    assert.ok(scripts.length > 20, `${scripts.length} compiled modules`);
    for (const file of scripts) {
      const mapName = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(unpacked, file), 'utf8'))?.[1];
      assert.ok(mapName, `${file} names its source map`);
      const map = posix.join(posix.dirname(file), mapName);
      assert.ok(files.has(map), `${map} (named by ${file}) is in the tarball`);
      const { sources, sourceRoot } = JSON.parse(readFileSync(join(unpacked, map), 'utf8')) as { sources: string[]; sourceRoot?: string };
      for (const source of sources) {
        const path = posix.normalize(posix.join(posix.dirname(map), sourceRoot ?? '', source));
        assert.ok(files.has(path), `${source} (a source of ${map}) is in the tarball at ${path}`);
      }
    }
  });

  it('README links into the repository are absolute, and lead to files that exist', () => {
    const readme = readFileSync(join(unpacked, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1] as string);
    assert.ok(links.length > 0);
    for (const link of links) {
      if (link.startsWith('#')) continue;
      assert.match(link, /^https?:\/\//, `a relative link (${link}) does not work on the npm package page: use https://github.com/streamq/streamq/blob/main/…`);
      const inRepo = /^https:\/\/github\.com\/streamq\/streamq\/(?:blob|tree)\/main\/([^#?]+)/.exec(link)?.[1];
      if (inRepo !== undefined) assert.ok(existsSync(join(ROOT, inRepo)), `${link}: ${inRepo} exists in the repository`);
    }
  });
});

describe('an app that installed the tarball', () => {
  it('CommonJS: require("streamq") and require("streamq/dashboard") work', async () => {
    writeFileSync(join(app, 'main.cjs'), [
      "const streamq = require('streamq');",
      "const dashboard = require('streamq/dashboard');",
      'console.log(JSON.stringify({ names: Object.keys(streamq), startDashboard: typeof dashboard.startDashboard }));',
    ].join('\n'));
    const { stdout } = await run(process.execPath, ['main.cjs'], { cwd: app });
    const loaded = JSON.parse(stdout) as { names: string[]; startDashboard: string };
    for (const name of ['Producer', 'Consumer', 'Admin', 'InvalidOptionError', 'exponentialBackoff', 'PartitionedProducer']) {
      assert.ok(loaded.names.includes(name), `${name} is exported to require()`);
    }
    assert.equal(loaded.startDashboard, 'function');
  });

  it('ES modules: import from "streamq" and "streamq/dashboard" work', async () => {
    writeFileSync(join(app, 'main.mjs'), [
      "import { Producer, Consumer, Admin } from 'streamq';",
      "import { startDashboard } from 'streamq/dashboard';",
      'console.log([Producer, Consumer, Admin, startDashboard].map((f) => typeof f).join(" "));',
    ].join('\n'));
    const { stdout } = await run(process.execPath, ['main.mjs'], { cwd: app });
    assert.equal(stdout.trim(), 'function function function function');
  });

  it('the bin: --help exits 0; stats reads a stream a CommonJS app wrote', async () => {
    const bin = join(app, 'node_modules', '.bin', process.platform === 'win32' ? 'streamq.cmd' : 'streamq');
    const help = await run(bin, ['--help'], { cwd: app });
    assert.match(help.stdout, /^Usage: streamq /m);
    const viaNpx = await run('npx', ['--offline', 'streamq', '--help'], { cwd: app });
    assert.match(viaNpx.stdout, /^Usage: streamq /m);

    const stream = uniqueName('packed');
    writeFileSync(join(app, 'send.cjs'), [
      "const { Producer } = require('streamq');",
      '(async () => {',
      `  const producer = new Producer({ stream: ${JSON.stringify(stream)}, redis: process.env.TEST_REDIS_URL });`,
      "  console.log(await producer.send({ hello: 'from a CommonJS app' }));",
      '  await producer.close();',
      '})().catch((error) => { console.error(error); process.exit(1); });',
    ].join('\n'));
    const sent = await run(process.execPath, ['send.cjs'], { cwd: app, env: { ...process.env, TEST_REDIS_URL: redis.url } });
    const id = sent.stdout.trim();
    assert.match(id, /^\d+-\d+$/);
    const stats = await run(bin, ['stats', stream, '--url', redis.url, '--json'], { cwd: app });
    const report = JSON.parse(stats.stdout) as { stream: string; length: number; lastId: string };
    assert.deepEqual([report.stream, report.length, report.lastId], [stream, 1, id]);
  });
});
