import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { CliError, ExitCode } from '../exit-codes.js';

/** The package root (three levels up from src/cli/commands or dist/cli/commands). */
const packageRoot = (): string => fileURLToPath(new URL('../../../', import.meta.url));

/** Whether the package at `root` has a `bench` npm script and its bench/ folder. */
export const benchAvailable = (root: string): boolean => {
  try {
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { scripts?: Record<string, string> };
    return typeof pkg.scripts?.bench === 'string' && existsSync(`${root}/bench`);
  } catch {
    return false;
  }
};

/** Registers `streamq bench`. */
export const registerBench = (program: Command): void => {
  program
    .command('bench')
    .description('run the benchmarks (npm run bench) of a streamq checkout; they start their own redis-server')
    .argument('[args...]', 'passed to the benchmark; put them after -- (streamq bench -- --n 20000 --reps 1), as --json and --url are streamq\'s own')
    .addHelpText('after', '\nA quick run: streamq bench -- --n 200 --reps 1 --only streamq --scenarios produce --modes bulk --warmup 0 --backlog 0\nEvery option: streamq bench -- --help')
    .allowUnknownOption()
    .action(async (args: string[], _flags: object, command: Command) => {
      const ctx = contextOf(command);
      const root = packageRoot();
      if (!benchAvailable(root)) {
        throw new CliError('the benchmarks are not part of this install: clone the streamq repository, run npm ci, then npm run bench', ExitCode.Failure);
      }
      const env = ctx.url.source === 'default' ? process.env : { ...process.env, REDIS_URL: ctx.url.url };
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(npm, ['run', 'bench', '--', ...args], { cwd: root, env, stdio: 'inherit' });
        child.once('error', reject);
        child.once('close', (status) => resolve(status ?? 1));
      });
      if (code !== 0) throw new CliError(`npm run bench exited with ${code}`, ExitCode.Failure);
    });
};
