// Compiles every TypeScript code sample of the documentation as a user's app would compile it:
// strict, `module: nodenext`, ES modules with top-level await, importing `streamq` (and
// `streamq/dashboard`) from the built package, never from ./src. A sample that breaks fails this
// script, and CI (.ci/run runs it before the tests).
//
// Usage: node scripts/check-samples.mjs [--keep] [file.md ...]   (default: README.md and docs/*.md)
//
// - Every ```ts (or ```typescript, ```mts) block is one module of a throwaway project whose
//   node_modules/streamq links to this repository (built first when dist/ is missing or older
//   than src/).
// - Identifiers a sample uses without defining them (a handler, a payload, `bill(…)`) are declared
//   once in scripts/samples.d.ts: a new sample that needs one more adds a line there.
// - A block may opt out with `<!-- sample: skip -->` on the line before its fence, only when it is
//   not TypeScript (a sketch); the script lists every block it skipped.
// - Errors are reported at the sample's own file and line: `README.md:42:7: error TS2304: …`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SKIP_MARK = /^<!--\s*sample:\s*skip\s*-->$/;
const TS_FENCE = /^(\s*)(`{3,}|~{3,})\s*(ts|typescript|mts)\b.*$/i;

/** Every TypeScript block of a Markdown text: its first line number (1-based) and its code. */
export function extractSamples(markdown) {
  const lines = markdown.split(/\r?\n/);
  const samples = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence] = open;
    let end = i + 1;
    while (end < lines.length && !(lines[end].trimStart().startsWith(fence) && lines[end].trim().replace(/[`~]/g, '') === '')) end++;
    if (TS_FENCE.test(lines[i])) {
      let before = i - 1;
      while (before >= 0 && lines[before].trim() === '') before--;
      const skip = before >= 0 && SKIP_MARK.test(lines[before].trim());
      const code = lines.slice(i + 1, end).map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line)).join('\n');
      samples.push({ line: i + 2, code, skip });
    }
    i = end;
  }
  return samples;
}

/** The documentation files to check: the arguments, or README.md and docs/*.md. */
function documents(args) {
  if (args.length > 0) return args.map((file) => resolve(file));
  const docs = readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => join(ROOT, 'docs', name));
  return [join(ROOT, 'README.md'), ...docs];
}

/** Newest modification time under a folder. */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Builds dist/ when it is missing or older than src/ (samples compile against the built package). */
function ensureBuilt() {
  const built = join(ROOT, 'dist', 'index.d.ts');
  if (existsSync(built) && statSync(built).mtimeMs >= newest(join(ROOT, 'src'))) return;
  console.log('check-samples: building dist/ (npm run build)');
  const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** A project where `streamq` resolves to this repository, like an app that installed it. */
function makeProject(dir) {
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  symlinkSync(ROOT, join(modules, 'streamq'), 'dir');
  // What an app that installed streamq (and imports node-redis itself, or mounts the dashboard in
  // Express or Fastify, or serves prom-client's registry) would have.
  for (const name of ['redis', '@redis', '@types', '@opentelemetry', 'express', 'fastify', 'prom-client']) {
    if (existsSync(join(ROOT, 'node_modules', name))) symlinkSync(join(ROOT, 'node_modules', name), join(modules, name), 'dir');
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'streamq-samples', private: true, type: 'module' }, null, 2));
  copyFileSync(join(ROOT, 'scripts', 'samples.d.ts'), join(dir, 'samples.d.ts'));
}

/** The project's tsconfig, naming every sample file (a glob would silently skip some names). */
function writeTsconfig(dir, files) {
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023'], types: ['node'], strict: true,
      noEmit: true, skipLibCheck: false, esModuleInterop: true,
    },
    files: ['samples.d.ts', ...files],
  }, null, 2));
}

/** Writes each sample as a module; returns file name → { doc, line }. */
function writeSamples(dir, docs) {
  const origin = new Map();
  const skipped = [];
  docs.forEach((doc, docIndex) => {
    extractSamples(readFileSync(doc, 'utf8')).forEach((sample, index) => {
      const where = `${relative(process.cwd(), doc)}:${sample.line}`;
      if (sample.skip) return void skipped.push(where);
      const file = `sample_${docIndex + 1}_${index + 1}.ts`;
      // `export {}` keeps a sample without imports a module (top-level await, its own scope); it
      // goes last so that line numbers stay the sample's.
      writeFileSync(join(dir, file), `${sample.code}\nexport {};\n`);
      origin.set(file, { doc: relative(process.cwd(), doc), line: sample.line });
    });
  });
  writeTsconfig(dir, [...origin.keys()]);
  return { origin, skipped };
}

/** Runs tsc on the project; rewrites `file.ts(l,c)` to the sample's document and line. */
function compile(dir, origin) {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], { cwd: dir, encoding: 'utf8' });
  const output = `${result.stdout}${result.stderr}`.replace(/^([^\s(]+\.ts)\((\d+),(\d+)\)/gm, (whole, file, line, column) => {
    const source = origin.get(file.split(/[\\/]/).pop());
    return source === undefined ? whole : `${source.doc}:${source.line + Number(line) - 1}:${column}`;
  });
  return { ok: result.status === 0, output };
}

function main() {
  const args = process.argv.slice(2);
  const keep = args.includes('--keep');
  const docs = documents(args.filter((arg) => arg !== '--keep'));
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'streamq-samples-'));
  try {
    makeProject(dir);
    const { origin, skipped } = writeSamples(dir, docs);
    for (const where of skipped) console.log(`check-samples: skipped (marked not TypeScript): ${where}`);
    const { ok, output } = compile(dir, origin);
    if (!ok) {
      console.error(output.trim());
      console.error(`check-samples: samples do not compile (${origin.size} checked). An identifier defined outside the sample goes in scripts/samples.d.ts.`);
      process.exitCode = 1;
      return;
    }
    console.log(`check-samples: ${origin.size} TypeScript samples of ${docs.length} documents compile (strict, nodenext, importing the built streamq)`);
  } finally {
    if (keep) console.log(`check-samples: project kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
