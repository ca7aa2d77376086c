/**
 * `npm run torture [-- --n 200000 --consumers 4 …]`: one bounded torture run; prints progress,
 * then the report (and writes it as JSON beside the run when kept). Exits 1 on any loss or
 * mismatch, 2 on a usage error. `npm run torture -- --config features [--small] …` runs the
 * features configuration instead (delayed sends, dedup, batch handlers, the iterator,
 * deleteOnAck and retention under the same faults).
 */
import { parseArgs } from './config.js';
import { runTorture } from './engine.js';
import { parseFeaturesArgs } from './features-config.js';
import { runFeaturesTorture } from './features-engine.js';
import { formatFeaturesReport } from './features-judge.js';
import { formatReport } from './report.js';

const argv = process.argv.slice(2);
const at = argv.indexOf('--config');
const which = at === -1 ? 'classic' : argv[at + 1];
if (at !== -1) argv.splice(at, 2);
if (which !== 'classic' && which !== 'features') {
  console.error(`--config expects classic or features, got ${String(which)}`);
  process.exit(2);
}

async function main(): Promise<{ ok: boolean; text: string; json: unknown }> {
  if (which === 'features') {
    const config = parseFeaturesArgs(argv);
    const report = await runFeaturesTorture(config, config.verbose ? (line) => console.log(line) : () => undefined);
    return { ok: report.ok, text: formatFeaturesReport(report), json: report };
  }
  const config = parseArgs(argv);
  const report = await runTorture(config, config.verbose ? (line) => console.log(line) : () => undefined);
  return { ok: report.ok, text: formatReport(report), json: report };
}

let outcome;
try {
  outcome = await main();
} catch (error) {
  const message = (error as Error).message;
  if (message.startsWith('Usage:') || message.includes('\nUsage:')) {
    console.error(message);
    process.exit(2);
  }
  console.error(`streamq torture run could not complete: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
}
console.log(outcome.text);
if (process.env.TORTURE_JSON) console.log(JSON.stringify(outcome.json));
process.exit(outcome.ok ? 0 : 1);
