import type { Command } from 'commander';
import { contextOf, requireStream, withAdmin } from '../context.js';
import { usageError } from '../exit-codes.js';
import { entryId, nonNegativeInt } from '../options.js';
import { printJson } from '../output.js';

/** Options of `streamq trim`. */
interface TrimFlags {
  maxLen?: number;
  minId?: string;
  unsafe?: boolean;
  yes?: boolean;
}

/** Registers `streamq trim`. */
export const registerTrim = (program: Command): void => {
  program
    .command('trim')
    .description('trim a stream to a length or a minimum ID; by default never removes what a group has not read and acknowledged')
    .argument('<stream>', 'the stream')
    .option('--max-len <n>', 'keep at most n entries', nonNegativeInt)
    .option('--min-id <id>', 'remove entries older than this ID', entryId)
    .option('--unsafe', 'also remove entries some group has not read or acknowledged (needs --yes)')
    .option('-y, --yes', 'confirm --unsafe')
    .action(async (stream: string, flags: TrimFlags, command: Command) => {
      const ctx = contextOf(command);
      if ((flags.maxLen === undefined) === (flags.minId === undefined)) throw usageError('give exactly one of --max-len N or --min-id ID');
      if (flags.unsafe && !flags.yes) throw usageError('refusing to trim with --unsafe without --yes (unread or unacknowledged messages would be lost)');
      const removed = await withAdmin(ctx, async (admin) => {
        await requireStream(admin, stream);
        return admin.trim(stream, {
          ...(flags.maxLen !== undefined ? { maxLen: flags.maxLen } : {}),
          ...(flags.minId !== undefined ? { minId: flags.minId } : {}),
          safe: !flags.unsafe,
        });
      });
      if (ctx.json) return printJson(ctx.out, { stream, removed, safe: !flags.unsafe });
      ctx.out.line(`removed ${removed} entr${removed === 1 ? 'y' : 'ies'} from ${stream}${flags.unsafe ? '' : ' (safe: only entries every group has read and acknowledged)'}`);
    });
};
