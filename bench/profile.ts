// `node --import tsx bench/profile.ts`: where the time goes. Runs the benchmark's streamq
// scenarios with --cpu-prof on the measured children (e2e and drain with deleteOnAck, sendMany
// alone, the paced latency run), then writes each profile's summary (bench/prof-summary.ts) to
// bench/profiles/<scenario>-<process>.txt, which bench/README.md quotes. Takes ~1–2 minutes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PROF = join(ROOT, 'bench/results/prof');
const OUT = join(ROOT, 'bench/profiles');
const summariesOnly = process.argv.includes('--summaries-only'); // re-summarise the last profiles
const N = process.argv.find((a) => /^\d+$/.test(a)) ?? '200000';

const runs: string[][] = [
  ['--only', 'streamq-dack', '--scenarios', 'e2e,drain,latency', '--prof', 'streamq-dack'],
  ['--only', 'streamq', '--scenarios', 'produce', '--prof', 'streamq'],
];

if (!summariesOnly) rmSync(PROF, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
for (const args of summariesOnly ? [] : runs) {
  const full = ['--import', 'tsx', 'bench/run.ts', '--reps', '1', '--n', N, '--json', 'bench/results/profile.json', ...args];
  process.stderr.write(`[profile] node ${full.join(' ')}\n`);
  const r = spawnSync(process.execPath, full, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`bench exited ${r.status}`);
}
for (const file of readdirSync(PROF).filter((f) => f.endsWith('.cpuprofile')).sort()) {
  // <scenario>-<row>-<mode>-rep1-<row>-<role>-<time>.cpuprofile → <scenario>-<role>.txt
  const m = /^(\w+)-.*-(consumer|producer|filler)-\d+\.cpuprofile$/.exec(file);
  if (!m || m[2] === 'filler') continue;
  const name = `${m[1]}-${m[2]}.txt`;
  const text = spawnSync(process.execPath, ['--import', 'tsx', 'bench/prof-summary.ts', join(PROF, file), '25'], { cwd: ROOT, encoding: 'utf8' }).stdout;
  writeFileSync(join(OUT, name), `# node --import tsx bench/profile.ts ${N} (N = ${N}; ${new Date().toISOString()})\n# ${file}\n${text.replace(/^.*\n/, '')}`);
  process.stderr.write(`[profile] ${name}\n`);
}
