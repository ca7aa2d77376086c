// Runs the test suite with node's built-in runner. Node 20 does not expand globs given to
// `--test`, so the files are listed here. Usage: node scripts/test.mjs [folder-or-file ...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const listTests = (path) => {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => {
      const child = join(path, name);
      if (statSync(child).isDirectory()) return listTests(child);
      return name.endsWith('.test.ts') ? [child] : [];
    });
};

const roots = process.argv.slice(2);
const files = (roots.length > 0 ? roots : ['test']).flatMap(listTests);
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=300000', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
