// Summarises a V8 .cpuprofile (from `npm run bench -- --prof <row>` or bench/profile.ts): self time by function and
// by module, and inclusive time of the functions of src/.
//   node --import tsx bench/prof-summary.ts bench/results/prof/<file>.cpuprofile [top]
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const file = process.argv[2];
const top = Number(process.argv[3] ?? 25);
if (!file) {
  console.error('usage: prof-summary.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfUs = new Map<number, number>();
prof.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const shortUrl = (u: string) => {
  if (!u) return '';
  u = u.replace(/\/bench\/results\/\.js-\d+\//, '/'); // the children's transpiled mirror → the source path
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (m) return m[1]!;
  const s = /\/(src|bench)\/(.*)$/.exec(u);
  if (s) return `${s[1]}/${s[2]}`;
  return u.startsWith('node:') ? u : u.replace(/^file:\/\//, '');
};
const label = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

const agg = (keyOf: (n: Node) => string) => {
  const m = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const k = keyOf(byId.get(id)!);
    m.set(k, (m.get(k) ?? 0) + us);
  }
  return [...m.entries()].sort((a, b) => b[1] - a[1]);
};
const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`;

console.log(`${file}\nsampled ${(total / 1000).toFixed(0)} ms`);
console.log('\n-- self time by module --');
for (const [k, us] of agg((n) => {
  const u = n.callFrame.url;
  if (!u) return n.callFrame.functionName.startsWith('(') ? n.callFrame.functionName : '(native/V8)';
  const s = shortUrl(u);
  return s.startsWith('src/') || s.startsWith('bench/') ? s : s.startsWith('node:') ? 'node:*' : s;
}).slice(0, top))
  console.log(`${pct(us)} ${ms(us)}  ${k}`);
console.log('\n-- self time by function --');
for (const [k, us] of agg(label).slice(0, top)) console.log(`${pct(us)} ${ms(us)}  ${k}`);

// Inclusive time of src/ functions (each sample counted once per distinct function on its stack).
const incl = new Map<string, number>();
prof.samples.forEach((id, i) => {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur)!;
    if (!/\/src\//.test(n.callFrame.url)) continue;
    const k = label(n);
    if (seen.has(k)) continue;
    seen.add(k);
    incl.set(k, (incl.get(k) ?? 0) + (prof.timeDeltas[i] ?? 0));
  }
});
console.log('\n-- inclusive time of src/ functions --');
for (const [k, us] of [...incl.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)} ${ms(us)}  ${k}`);

// Optional: stacks leading to one function (third argument: its name).
const target = process.argv[4];
if (target) {
  const stacks = new Map<string, number>();
  prof.samples.forEach((id, i) => {
    if (byId.get(id)!.callFrame.functionName !== target) return;
    const chain: string[] = [];
    for (let cur = parent.get(id); cur !== undefined && chain.length < 8; cur = parent.get(cur)) chain.push(label(byId.get(cur)!));
    const k = chain.join(' < ');
    stacks.set(k, (stacks.get(k) ?? 0) + (prof.timeDeltas[i] ?? 0));
  });
  console.log(`\n-- callers of ${target} --`);
  for (const [k, us] of [...stacks.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`${pct(us)} ${ms(us)}  ${k}`);
}
