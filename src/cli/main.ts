#!/usr/bin/env node
/**
 * The `streamq` command: see `streamq --help` and docs/cli.md.
 * Exit codes: 0 ok, 1 failure, 2 usage error, 3 cannot connect to Redis.
 * @module
 */
import { run } from './program.js';

const code = await run(process.argv);
process.exitCode = code;
// Output is flushed by now; if some handle still keeps the loop alive, do not hang the shell.
setTimeout(() => process.exit(code), 2000).unref();
