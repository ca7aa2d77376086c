/**
 * scripts/check-samples.mjs fails on a documentation sample that does not compile, naming the
 * document and the sample's own line; passes good samples (top-level await, identifiers from
 * scripts/samples.d.ts, `streamq/dashboard`); and skips only the blocks marked as not TypeScript.
 * (`npm run check:samples`, run by .ci/run, applies it to README.md and docs/*.md.)
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SCRIPT = join(ROOT, 'scripts', 'check-samples.mjs');

let dir: string;
before(() => { dir = mkdtempSync(join(tmpdir(), 'streamq-samples-test-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the script on the given documents; resolves with its exit code and output. */
function check(...docs: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise) => {
    execFile(process.execPath, [SCRIPT, ...docs], { cwd: ROOT, timeout: 120_000 }, (error, stdout, stderr) => {
      resolvePromise({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

const GOOD = [
  '# Good',
  '',
  '```ts',
  "import { Consumer, Producer } from 'streamq';",
  "import { startDashboard } from 'streamq/dashboard';",
  '',
  "const producer = new Producer<Order>({ stream: 'orders' });",
  'await producer.send(order);',
  "const consumer = new Consumer<Order>({ stream: 'orders', group: 'g', handler });",
  "consumer.on('deadLetter', (info) => console.log(info.id, info.reason));",
  'console.log(typeof startDashboard);',
  '```',
  '',
  '<!-- sample: skip -->',
  '```ts',
  'new Consumer({ stream, group, … })',
  '```',
  '',
  '```sh',
  'streamq stats',
  '```',
].join('\n');

describe('check-samples', () => {
  it('passes compiling samples, skips only marked blocks, ignores other languages', async () => {
    const doc = join(dir, 'good.md');
    writeFileSync(doc, GOOD);
    const { code, output } = await check(doc);
    assert.equal(code, 0, output);
    assert.match(output, /1 TypeScript samples of 1 documents compile/);
    assert.match(output, new RegExp(`skipped \\(marked not TypeScript\\): ${relative(ROOT, doc).replace(/[.\\/]/g, '\\$&')}:16`));
  });

  it('fails on a sample that does not compile, naming the document, line and column', async () => {
    const doc = join(dir, 'bad.md');
    writeFileSync(doc, [
      '# Bad', '', 'Text.', '',
      '```ts',
      "import { Consumer } from 'streamq';",
      '',
      "new Consumer({ stream: 'orders', group: 'g', concurency: 4, handler });",
      "consumer.on('eror', () => undefined);",
      '```',
      '',
      '```typescript',
      "import { Producer } from './src/index.js';",
      '```',
    ].join('\n'));
    const { code, output } = await check(join(dir, 'good.md'), doc);
    assert.equal(code, 1, output);
    const at = relative(ROOT, doc).replace(/[.\\/]/g, '\\$&');
    assert.match(output, new RegExp(`^${at}:8:46: error TS\\d+: .*'concurency' does not exist`, 'm'));
    assert.match(output, new RegExp(`^${at}:9:1: error TS\\d+: Cannot find name 'consumer'`, 'm'));
    assert.match(output, new RegExp(`^${at}:13:26: error TS2307: Cannot find module './src/index\\.js'`, 'm'));
    assert.match(output, /samples do not compile \(3 checked\)/);
  });
});
