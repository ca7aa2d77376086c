import type { Command } from 'commander';
import { contextOf, ensureReachable, loadLibrary, type CommandContext } from '../context.js';
import { usageError } from '../exit-codes.js';
import { renderTable } from '../format.js';
import { parseJsonArgs, parseNdjson, readAll, readTextFile } from '../input.js';
import { collectHeader, nonNegativeInt, positiveInt } from '../options.js';
import { printJson } from '../output.js';
import { startProgress } from '../progress.js';

/** Options of `streamq send`. */
interface SendFlags {
  file?: string;
  header?: Record<string, string>;
  delay?: number;
  batch: number;
}

/** The messages to send: from arguments, `--file`, or standard input (NDJSON). */
const readMessages = async (values: string[], flags: SendFlags): Promise<unknown[]> => {
  if (values.length > 0 && flags.file !== undefined) throw usageError('give messages as arguments or with --file, not both');
  if (values.length > 0) return parseJsonArgs(values);
  if (flags.file !== undefined) {
    return flags.file === '-' ? parseNdjson(await readAll(process.stdin), 'stdin') : parseNdjson(await readTextFile(flags.file), flags.file);
  }
  if (process.stdin.isTTY) throw usageError('no messages: give JSON arguments, --file FILE, or pipe NDJSON on standard input');
  return parseNdjson(await readAll(process.stdin), 'stdin');
};

/** Sends the messages in batches (one `sendMany` each), or one by one with headers/delay. */
const sendAll = async (ctx: CommandContext, stream: string, messages: unknown[], flags: SendFlags): Promise<string[]> => {
  const { Producer } = await loadLibrary();
  const producer = new Producer<unknown>({ stream, redis: ctx.url.url });
  const progress = startProgress(ctx.out, `sending to ${stream}`, messages.length, { json: ctx.json });
  const ids: string[] = [];
  try {
    const oneByOne = flags.header !== undefined || flags.delay !== undefined;
    for (let at = 0; at < messages.length; at += flags.batch) {
      const chunk = messages.slice(at, at + flags.batch);
      if (oneByOne) {
        const options = { ...(flags.header ? { headers: flags.header } : {}), ...(flags.delay !== undefined ? { delayMs: flags.delay } : {}) };
        for (const message of chunk) ids.push(await producer.send(message, options));
      } else {
        ids.push(...(await producer.sendMany(chunk)));
      }
      progress.increment(chunk.length);
    }
    return ids;
  } finally {
    progress.stop();
    await producer.close();
  }
};

/** Registers `streamq send`. */
export const registerSend = (program: Command): void => {
  program
    .command('send')
    .description('send messages: JSON arguments, --file FILE (NDJSON) or NDJSON on standard input')
    .argument('<stream>', 'the stream')
    .argument('[json...]', 'messages, each a JSON value (quote strings: \'"hi"\')')
    .option('-f, --file <path>', 'read NDJSON (one JSON value per line) from a file; - for stdin')
    .option('-H, --header <key=value>', 'a header for every message (repeatable)', collectHeader)
    .option('--delay <ms>', 'deliver after this delay', nonNegativeInt)
    .option('--batch <n>', 'messages per round trip', positiveInt, 500)
    .addHelpText('after', '\nEvery line is checked before anything is sent: an invalid line names its number and nothing is sent.')
    .action(async (stream: string, values: string[], flags: SendFlags, command: Command) => {
      const ctx = contextOf(command);
      const messages = await readMessages(values, flags);
      if (messages.length === 0) throw usageError('no messages to send (the input is empty)');
      await ensureReachable(ctx.url.url);
      const ids = await sendAll(ctx, stream, messages, flags);
      if (ctx.json) return printJson(ctx.out, { stream, sent: ids.length, ids });
      if (ids.length <= 20) ctx.out.line(renderTable(['#', 'id'], ids.map((id, i) => [i + 1, id])));
      ctx.out.line(`sent ${ids.length} message${ids.length === 1 ? '' : 's'} to ${stream}${ids.length > 20 ? ` (${ids[0]} … ${ids[ids.length - 1]})` : ''}`);
    });
};
