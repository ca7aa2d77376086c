import type { Command } from 'commander';
import { contextOf, ensureReachable, loadLibrary } from '../context.js';
import { port } from '../options.js';

/** Options of `streamq dashboard`. */
interface DashboardFlags {
  port: number;
  host: string;
  token?: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Registers `streamq dashboard`. */
export const registerDashboard = (program: Command): void => {
  program
    .command('dashboard')
    .description('serve the web dashboard (read-only unless a token is given)')
    .option('-p, --port <port>', 'port to listen on', port, 7420)
    .option('--host <host>', 'address to bind (keep it on loopback)', '127.0.0.1')
    .option('--token <token>', 'enable replay/purge for requests bearing this token (prefer $STREAMQ_DASHBOARD_TOKEN: arguments show in ps)')
    .addHelpText('after', '\nThe token is never printed or logged; enter it in the page (kept in sessionStorage for the tab).')
    .action(async (flags: DashboardFlags, command: Command) => {
      const ctx = contextOf(command);
      const token = flags.token ?? (process.env.STREAMQ_DASHBOARD_TOKEN || undefined);
      await ensureReachable(ctx.url.url);
      const lib = await loadLibrary();
      const { startDashboard } = await import('../../dashboard/server.js');
      const admin = new lib.Admin({ redis: ctx.url.url });
      const dashboard = await startDashboard({ admin, port: flags.port, host: flags.host, ...(token ? { token } : {}) });
      const mode = token ? 'replay and purge enabled for requests with the token' : 'read-only (start with --token to enable replay and purge)';
      if (ctx.json) ctx.out.line(JSON.stringify({ url: dashboard.url, redis: ctx.maskedUrl, readOnly: !token }));
      else ctx.out.line(`dashboard on ${dashboard.url} for ${ctx.maskedUrl}: ${mode}. Ctrl-C to stop.`);
      if (!LOOPBACK.has(flags.host)) ctx.out.error(`warning: listening on ${flags.host}, not only loopback: anyone who can reach it can read your messages`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await dashboard.close();
      await admin.close();
    });
};
