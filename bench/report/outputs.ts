// Everything a run writes, from its JSON: the JSON itself, a Markdown summary, three SVG charts
// (bench/results/), the tables on stdout, and with --update-readme README's block and a copy of
// the charts and JSON it shows (bench/results/readme/, committed).
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../config.js';
import { computeMedians } from './format.js';
import { renderSummary } from './markdown.js';
import { README_DIR, updateReadme } from './readme.js';
import { cpuChart, e2eChart, latencyChart } from './svg.js';
import { checkTargets } from './targets.js';
import type { BenchResults } from './types.js';

export function writeOutputs(root: string, cfg: Config, res: BenchResults, log: (s: string) => void, o: { rewriteJson?: boolean } = {}): void {
  res.medians = computeMedians(res.runs);
  res.targets = checkTargets(res);
  const dir = dirname(cfg.json);
  mkdirSync(dir, { recursive: true });
  if (o.rewriteJson !== false) writeFileSync(cfg.json, JSON.stringify(res, null, 1) + '\n');
  const summary = renderSummary(res);
  const files: Record<string, string> = { 'summary.md': summary + '\n', 'e2e.svg': e2eChart(res), 'cpu.svg': cpuChart(res), 'latency.svg': latencyChart(res) };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  console.log(summary);
  log(`[bench] JSON ${cfg.json}; summary and charts (summary.md, e2e.svg, cpu.svg, latency.svg) in ${dir}`);
  if (cfg.updateReadme) {
    const out = join(root, README_DIR);
    mkdirSync(out, { recursive: true });
    if (resolve(out) !== resolve(dir)) for (const name of ['e2e.svg', 'cpu.svg', 'latency.svg', 'summary.md']) copyFileSync(join(dir, name), join(out, name));
    writeFileSync(join(out, 'run.json'), JSON.stringify(res, null, 1) + '\n');
    log(`[bench] updated ${updateReadme(root, res).join(', ')}; charts and run.json in ${README_DIR}/`);
  }
}
