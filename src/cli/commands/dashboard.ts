import type { Command } from 'commander';
import { contextOf, ensureReachable, loadLibrary } from '../context.js';
import { usageError } from '../exit-codes.js';
import { isLoopbackHost } from '../../dashboard/security.js';
import { collect, port } from '../options.js';

/** Options of `streamq dashboard`. */
interface DashboardFlags {
  port: number;
  host: string;
  token?: string;
  readToken?: string;
  allowedHost?: string[];
}

/** Registers `streamq dashboard`. */
export const registerDashboard = (program: Command): void => {
  program
    .command('dashboard')
    .description('serve the web dashboard (read-only unless a token is given)')
    .option('-p, --port <port>', 'port to listen on (0: any free port)', port, 7420)
    .option('--host <host>', 'address to bind; beyond loopback it needs --token (or --read-token)', '127.0.0.1')
    .option('--token <token>', 'protects everything: reads and /metrics need it, and it enables replay/purge (default: $STREAMQ_DASHBOARD_TOKEN, else none: read-only, reads open on loopback)')
    .option('--read-token <token>', 'grants reads only, e.g. for a Prometheus scraper (default: $STREAMQ_DASHBOARD_READ_TOKEN, else none)')
    .option('--allowed-host <host>', 'a Host name the dashboard is reached by, beyond loopback names and the bound address (repeatable; name or name:port) (default: none)', collect)
    .addHelpText(
      'after',
      `
Tokens are never printed or logged; prefer the environment variables (arguments show in ps).
Enter the token in the page (kept in sessionStorage for the tab). Ctrl-C stops the dashboard.`,
    )
    .action(async (flags: DashboardFlags, command: Command) => {
      const ctx = contextOf(command);
      const token = flags.token ?? (process.env.STREAMQ_DASHBOARD_TOKEN || undefined);
      const readToken = flags.readToken ?? (process.env.STREAMQ_DASHBOARD_READ_TOKEN || undefined);
      if (!isLoopbackHost(flags.host) && token === undefined && readToken === undefined) {
        throw usageError(`refusing to listen on ${flags.host} without --token (or --read-token): anyone who can reach it could read your messages`);
      }
      await ensureReachable(ctx.url.url);
      const lib = await loadLibrary();
      const { startDashboard } = await import('../../dashboard/server.js');
      const admin = new lib.Admin({ redis: ctx.url.url });
      const dashboard = await startDashboard({
        admin, redis: ctx.url.url, port: flags.port, host: flags.host, ...(token ? { token } : {}), ...(readToken ? { readToken } : {}), allowedHosts: flags.allowedHost ?? [],
      });
      const reads = token || readToken ? 'reads need a token' : 'reads open on loopback';
      const mode = token ? `${reads}; replay and purge enabled with the token` : `read-only, ${reads} (start with --token to enable replay and purge)`;
      if (ctx.json) ctx.out.line(JSON.stringify({ url: dashboard.url, redis: ctx.maskedUrl, readOnly: !token, authRequired: Boolean(token || readToken) }));
      else ctx.out.line(`dashboard on ${dashboard.url} for ${ctx.maskedUrl}: ${mode}. Ctrl-C to stop.`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await dashboard.close();
      await admin.close();
    });
};
