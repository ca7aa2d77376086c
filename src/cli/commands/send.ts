import type { Command } from 'commander';
import { PartialSendError, sendInOrder, type SendPlan } from '../batch-send.js';
import { contextOf, ensureReachable, loadLibrary, type CommandContext } from '../context.js';
import { usageError } from '../exit-codes.js';
import { renderTable } from '../format.js';
import { invalidLines, parseJsonArgs, readAll, readNdjson, readTextFile, type InputMessage, type InputProblem } from '../input.js';
import { collectHeader, intFrom, nonNegativeInt, positiveInt } from '../options.js';
import { printJson } from '../output.js';
import { startProgress } from '../progress.js';

/** The Producer's own `maxPayloadBytes` default (1 MiB), the default of `--max-payload-bytes`. */
const LIBRARY_MAX_PAYLOAD_BYTES = 1024 * 1024;
/** The Producer's largest `batchSize`: one `sendMany` of the CLI is then one script call. */
const MAX_BATCH = 10_000;

/** Options of `streamq send`. */
interface SendFlags {
  file?: string;
  header?: Record<string, string>;
  delay?: number;
  batch: number;
  maxPayloadBytes: number;
  fromLine: number;
}

/** The input as messages with their line numbers, and its name for messages. */
interface Input {
  source: string;
  unit: SendPlan['unit'];
  messages: InputMessage[];
  problems: InputProblem[];
}

/** The messages to send: from arguments, `--file`, or standard input (NDJSON). */
const readInput = async (values: string[], flags: SendFlags): Promise<Input> => {
  if (values.length > 0 && flags.file !== undefined) throw usageError('give messages as arguments or with --file, not both');
  if (values.length > 0) {
    if (flags.fromLine !== 1) throw usageError('--from-line applies to NDJSON input (--file or standard input), not to arguments');
    return { source: 'arguments', unit: 'argument', messages: parseJsonArgs(values).map((value, i) => ({ line: i + 1, value })), problems: [] };
  }
  if (flags.file === undefined && process.stdin.isTTY) throw usageError('no messages: give JSON arguments, --file FILE, or pipe NDJSON on standard input');
  const fromStdin = flags.file === undefined || flags.file === '-';
  const text = fromStdin ? await readAll(process.stdin) : await readTextFile(flags.file as string);
  return { source: fromStdin ? 'stdin' : (flags.file as string), unit: 'line', ...readNdjson(text, flags.fromLine) };
};

/**
 * Adds a problem for every message whose encoded size (payload JSON plus headers JSON, in UTF-8
 * bytes, as the Producer counts it) is over `--max-payload-bytes`.
 */
const checkSizes = (input: Input, flags: SendFlags): InputProblem[] => {
  const headerBytes = flags.header === undefined ? 0 : Buffer.byteLength(JSON.stringify(flags.header));
  const tooLarge: InputProblem[] = [];
  for (const message of input.messages) {
    const bytes = Buffer.byteLength(JSON.stringify(message.value) ?? '') + headerBytes;
    if (bytes > flags.maxPayloadBytes) {
      tooLarge.push({ line: message.line, reason: `payload is ${bytes} bytes, more than --max-payload-bytes ${flags.maxPayloadBytes}` });
    }
  }
  return [...input.problems, ...tooLarge].sort((a, b) => a.line - b.line);
};

/** Sends every message in order; on a failure part-way, reports what was sent before rethrowing. */
const sendAll = async (ctx: CommandContext, stream: string, input: Input, flags: SendFlags): Promise<string[]> => {
  const { Producer } = await loadLibrary();
  const producer = new Producer<unknown>({ stream, redis: ctx.url.url, maxPayloadBytes: flags.maxPayloadBytes, batchSize: flags.batch });
  const progress = startProgress(ctx.out, `sending to ${stream}`, input.messages.length, { json: ctx.json });
  const plan: SendPlan = { batch: flags.batch, unit: input.unit, ...(flags.header ? { headers: flags.header } : {}), ...(flags.delay !== undefined ? { delayMs: flags.delay } : {}) };
  try {
    return await sendInOrder(producer, input.messages, plan, progress);
  } catch (error) {
    if (error instanceof PartialSendError && ctx.json) {
      const { ids, firstUnsent, lastInFlight, uncertain } = error.partial;
      printJson(ctx.out, { stream, sent: ids.length, ids, failed: { firstUnsent, unit: input.unit, lastInFlight, uncertain, error: (error.partial.error as Error).message } });
    }
    throw error;
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
    .option('-f, --file <path>', 'read NDJSON (one JSON value per line) from a file; - for stdin (default: stdin when it is not a terminal)')
    .option('-H, --header <key=value>', 'a header for every message (repeatable) (default: none)', collectHeader)
    .option('--delay <ms>', 'deliver after this delay; messages are then sent one by one (default: none, delivered at once)', nonNegativeInt)
    .option('--batch <n>', `messages per round trip (1–${MAX_BATCH}); each batch is written whole or not at all`, intFrom(1, MAX_BATCH), 500)
    .option('--max-payload-bytes <n>', "largest encoded message: payload and headers as JSON, in UTF-8 bytes (the default is the library's)", positiveInt, LIBRARY_MAX_PAYLOAD_BYTES)
    .option('--from-line <n>', 'skip the lines before line n of the NDJSON input (resume after a failure)', positiveInt, 1)
    .addHelpText(
      'after',
      `
Every line is parsed, encoded and size-checked before the first message is sent: an invalid
line is reported with its number and reason, and nothing is sent. If sending fails part-way
(Redis refusing writes, a lost connection), streamq says how many were sent and the first unsent
line; run the command again with --from-line that line to send the rest, without duplicates.`,
    )
    .action(async (stream: string, values: string[], flags: SendFlags, command: Command) => {
      const ctx = contextOf(command);
      const input = await readInput(values, flags);
      const problems = checkSizes(input, flags);
      if (problems.length > 0) throw invalidLines(input.source, problems);
      if (input.messages.length === 0) throw usageError(flags.fromLine > 1 ? `no messages from line ${flags.fromLine} on` : 'no messages to send (the input is empty)');
      await ensureReachable(ctx.url.url);
      const ids = await sendAll(ctx, stream, input, flags);
      if (ctx.json) return printJson(ctx.out, { stream, sent: ids.length, ids });
      if (ids.length <= 20) ctx.out.line(renderTable(['#', 'id'], ids.map((id, i) => [i + 1, id])));
      ctx.out.line(`sent ${ids.length} message${ids.length === 1 ? '' : 's'} to ${stream}${ids.length > 20 ? ` (${ids[0]} … ${ids[ids.length - 1]})` : ''}`);
    });
};
