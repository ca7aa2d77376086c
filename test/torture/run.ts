/**
 * `npm run torture [-- --n 200000 --consumers 4 …]`: one bounded torture run; prints progress,
 * then the report (and writes it as JSON beside the run when kept). Exits 1 on any loss or
 * mismatch, 2 on a usage error.
 */
import { parseArgs } from './config.js';
import { runTorture } from './engine.js';
import { formatReport } from './report.js';

let config;
try {
  config = parseArgs(process.argv.slice(2));
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
const log = config.verbose ? (line: string) => console.log(line) : () => undefined;
let report;
try {
  report = await runTorture(config, log);
} catch (error) {
  console.error(`streamq torture run could not complete: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
}
console.log(formatReport(report));
if (process.env.TORTURE_JSON) console.log(JSON.stringify(report));
process.exit(report.ok ? 0 : 1);
