/**
 * Keys and scripts on Redis Cluster: every auxiliary key of a stream (dead letters, delayed set,
 * dedup keys, ordered-mode lease and members keys) hashes to the stream's slot, as CLUSTER KEYSLOT
 * of a real cluster-enabled redis-server says; and every Lua script declares all the keys it
 * touches in KEYS (a static check of each `redis.call`).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { auxKey, keySlot, streamKeys } from '../../src/keys.js';
import { leaseKey, membersKey, partitionStreams } from '../../src/partitioned.js';
import { INLINE_SCRIPTS } from '../../src/partitioned/lua.js';
import { RedisServer } from '../support/redis-server.js';

const NAMES = [
  'orders',
  'orders:0',
  '{tenant1}.orders',
  'a{tenant1}b',
  'a}b',
  '{}orders',
  'x{',
  '}{',
  '{{}}',
  'a{b}c{d}',
  'orders {with spaces}',
  'заказы',
  '注文{客户}',
  '📦-parcels',
  '{📦}',
  'ä{ö}ü',
];

describe('auxiliary keys share the stream slot (CLUSTER KEYSLOT)', { timeout: 100_000 }, () => {
  let server: RedisServer;
  before(async () => { server = await RedisServer.start({ cluster: true }); });
  after(() => server.stop());

  const slotOf = async (key: string): Promise<number> => Number(await server.command('CLUSTER', 'KEYSLOT', key));

  for (const name of NAMES) {
    it(`stream ${JSON.stringify(name)}`, async () => {
      const keys = streamKeys(name);
      const slot = await slotOf(name);
      assert.equal(keySlot(name), slot, 'keySlot() agrees with CLUSTER KEYSLOT');
      const aux = [keys.dead, keys.delayed, `${keys.dedupPrefix}some-key`, `${keys.dedupPrefix}{other}`, leaseKey(name, 'g'), membersKey(name, 'billing'), auxKey(name, 'x')];
      for (const key of aux) {
        assert.equal(await slotOf(key), slot, `${JSON.stringify(key)} is in the slot of ${JSON.stringify(name)}`);
      }
      assert.equal(new Set([name, ...aux]).size, aux.length + 1, 'no auxiliary key collides with the stream or another');
    });
  }

  it('partitions of a plain name spread over slots; a {tag} pins them to one', async () => {
    const plain = new Set(await Promise.all(partitionStreams('orders', 16).map(slotOf)));
    assert.ok(plain.size >= 15, `16 partitions use ${plain.size} slots`);
    const tagged = new Set(await Promise.all(partitionStreams('{orders}', 4).map(slotOf)));
    assert.equal(tagged.size, 1);
  });
});

/** `a(b, c(d), e)` → its top-level arguments, given the text after the opening parenthesis. */
function topLevelArgs(text: string, open: number): { args: string[]; end: number } {
  const args: string[] = [];
  let depth = 0;
  let current = '';
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote) {
      current += ch;
      if (ch === '\\') { current += text[++i]; continue; }
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '"') { quote = ch; current += ch; continue; }
    if (ch === '(' || ch === '{' || ch === '[') depth++;
    if (ch === ')' || ch === '}' || ch === ']') {
      if (depth === 0) { if (current.trim()) args.push(current.trim()); return { args, end: i }; }
      depth--;
    }
    if (ch === ',' && depth === 0) { args.push(current.trim()); current = ''; continue; }
    current += ch;
  }
  throw new Error('unbalanced parentheses');
}

/** The elements of the table constructor `local name = { … }` in `code`. */
function tableElements(code: string, name: string): string[] {
  const match = new RegExp(`local\\s+${name}\\s*=\\s*\\{`).exec(code);
  if (!match) throw new Error(`no table constructor for ${name}`);
  return topLevelArgs(code, match.index + match[0].length).args;
}

const KEYLESS = new Set(['TIME']);
const SUBCOMMAND = new Set(['XINFO', 'XGROUP', 'OBJECT', 'MEMORY']);

/** Checks one script; returns problems found (empty when every key is declared). */
function checkScript(name: string, source: string): string[] {
  const header = /^--\[\[([\s\S]*?)\]\]/.exec(source);
  if (!header) return [`${name}: no header`];
  const declared = new Set([...(header[1] as string).matchAll(/^\s*KEYS\[(\d+)\]/gm)].map((m) => `KEYS[${m[1]}]`));
  const code = source.slice(header[0].length);
  const problems: string[] = [];
  for (const used of code.matchAll(/KEYS\[(\d+)\]/g)) {
    if (!declared.has(used[0])) problems.push(`${name}: ${used[0]} used but not documented in the header`);
  }
  // `KEYS[i]` with a computed index is a key when the header declares a variadic `KEYS[n…]` (or `n..`).
  const variadic = /^\s*KEYS\[\d+\s*(…|\.\.\.?)\]/m.test(header[1] as string);
  const keyExpr = variadic ? /^KEYS\[(\d+|[A-Za-z_]\w*)\]$/ : /^KEYS\[\d+\]$/;
  const keyVars = new Map<string, string>();
  for (const m of code.matchAll(/local\s+([\w\s,]+?)\s*=\s*([^\n]+)/g)) {
    const names = (m[1] as string).split(',').map((s) => s.trim());
    const values = (m[2] as string).split(',').map((s) => s.trim());
    names.forEach((n, i) => { if (keyExpr.test(values[i] ?? '')) keyVars.set(n, values[i] as string); });
  }
  const isKey = (expr: string): boolean => (/^KEYS\[\d+\]$/.test(expr) && declared.has(expr)) || keyVars.has(expr)
    || (variadic && /^KEYS\[[A-Za-z_]\w*\]$/.test(expr));
  let calls = 0;
  for (const m of code.matchAll(/redis\.p?call\(/g)) {
    calls++;
    let { args } = topLevelArgs(code, (m.index as number) + m[0].length);
    const spread = /^unpack\((\w+)\)$/.exec(args[0] ?? '');
    if (spread) args = tableElements(code, spread[1] as string);
    const command = /^'(\w+)'$/.exec(args[0] ?? '')?.[1]?.toUpperCase();
    if (command === undefined) { problems.push(`${name}: cannot tell the command of redis.call(${args.join(', ')})`); continue; }
    if (KEYLESS.has(command)) continue;
    let key = args[SUBCOMMAND.has(command) ? 2 : 1] ?? '';
    const keySpread = /^unpack\((\w+)\)$/.exec(key);
    if (keySpread) key = tableElements(code, keySpread[1] as string)[0] ?? '';
    if (!isKey(key)) problems.push(`${name}: ${command} touches ${JSON.stringify(key)}, which is not a declared KEYS entry`);
  }
  if (calls === 0) problems.push(`${name}: no redis.call found (parser out of date?)`);
  return problems;
}

describe('every Lua script declares all its keys', { timeout: 100_000 }, () => {
  const dir = new URL('../../src/scripts/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.lua')).sort();

  it('finds the scripts', () => {
    assert.ok(files.length >= 10, `found ${files.length} scripts`);
  });

  for (const file of files) {
    it(file, () => {
      assert.deepEqual(checkScript(file, readFileSync(new URL(file, dir), 'utf8')), []);
    });
  }

  for (const script of INLINE_SCRIPTS) {
    it(`${script.name} (inline)`, () => {
      assert.deepEqual(checkScript(script.name, script.source), []);
    });
  }

  it('the checker catches an undeclared key', () => {
    const bad = "--[[\n  KEYS[1] stream\n]]\nredis.call('XADD', KEYS[1], '*', 'a', 'b')\nredis.call('DEL', 'other')\nredis.call('GET', ARGV[1])";
    assert.equal(checkScript('bad', bad).length, 2);
  });
});
