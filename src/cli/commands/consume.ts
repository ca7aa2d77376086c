import { Option, type Command } from 'commander';
import type { Consumer, Message } from '../../index.js';
import { contextOf, ensureReachable, loadLibrary, type CommandContext } from '../context.js';
import { runExec } from '../exec-handler.js';
import { compactJson, sanitize } from '../format.js';
import { positiveInt } from '../options.js';
import { redact } from '../url.js';

/** Options of `streamq consume`. */
interface ConsumeFlags {
  group: string;
  name?: string;
  exec?: string;
  count?: number;
  concurrency: number;
  startAt: '0' | '$';
  visibilityTimeout?: number;
  maxDeliveries?: number;
  raw?: boolean;
}

/** Prints one handled message: a line, or one JSON object per line with --json. */
const printMessage = (ctx: CommandContext, consumer: string, msg: Message<unknown>): void => {
  const record = { id: msg.id, consumer, deliveries: msg.deliveries, headers: msg.headers, data: msg.data, fields: msg.fields };
  if (ctx.json) return ctx.out.line(JSON.stringify(record));
  const body = compactJson(msg.data);
  ctx.out.line(`${msg.id}  ${sanitize(consumer)}  deliveries=${msg.deliveries}  ${sanitize(body)}`);
};

/** Resolves when the user asks to stop (SIGINT/SIGTERM); a second signal exits at once (130). */
const stopRequested = (ctx: CommandContext, onStop: () => void): (() => void) => {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      ctx.out.error(`streamq: ${signal} again: exiting without waiting (unfinished messages stay pending)`);
      process.exit(130);
    }
    stopping = true;
    ctx.out.error(`streamq: ${signal}: closing (finishing in-flight messages; ${signal} again to exit at once)`);
    onStop();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.removeListener('SIGINT', handler);
    process.removeListener('SIGTERM', handler);
  };
};

/** Consumes until `--count` messages were handled or a signal asks to stop, then closes gracefully. */
const consume = async (ctx: CommandContext, stream: string, flags: ConsumeFlags): Promise<number> => {
  const lib = await loadLibrary();
  let handled = 0;
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const name = flags.name;
  const consumer: Consumer<unknown> = new lib.Consumer<unknown>({
    stream,
    group: flags.group,
    ...(name !== undefined ? { name } : {}),
    redis: ctx.url.url,
    concurrency: flags.count !== undefined ? Math.min(flags.concurrency, flags.count) : flags.concurrency,
    ...(flags.count !== undefined ? { prefetch: 0 } : {}),
    startAt: flags.startAt,
    ...(flags.visibilityTimeout !== undefined ? { visibilityTimeoutMs: flags.visibilityTimeout } : {}),
    ...(flags.maxDeliveries !== undefined ? { maxDeliveries: flags.maxDeliveries } : {}),
    ...(flags.raw ? { raw: true } : {}),
    handler: async (msg) => {
      try {
        if (flags.exec === undefined) return printMessage(ctx, consumer.name, msg);
        const payload = { id: msg.id, stream, group: flags.group, consumer: consumer.name, deliveries: msg.deliveries, headers: msg.headers, data: msg.data, fields: msg.fields };
        await runExec(flags.exec, payload).catch((error: Error) => {
          ctx.out.error(`streamq: ${error.message} (not acknowledged: it will be retried or dead-lettered)`);
          throw error;
        });
      } finally {
        handled += 1;
        if (flags.count !== undefined && handled >= flags.count) stop();
      }
    },
  });
  consumer.on('error', (error: Error) => ctx.out.error(`streamq: ${redact(error.message, ctx.url.url)}`));
  consumer.on('warning', (warning: unknown) => ctx.out.error(`streamq: warning: ${redact(warning instanceof Error ? warning.message : String(warning), ctx.url.url)}`));
  const release = stopRequested(ctx, () => stop());
  try {
    await consumer.start();
    if (!ctx.json) ctx.out.error(`consuming ${stream} as group ${flags.group}, consumer ${consumer.name} on ${ctx.maskedUrl} (Ctrl-C to stop)`);
    await stopped;
  } finally {
    release();
    await consumer.close({ timeoutMs: 10_000 });
  }
  return handled;
};

/** Registers `streamq consume`. */
export const registerConsume = (program: Command): void => {
  program
    .command('consume')
    .description('consume a stream in a group: print each message, or pipe it to a command; ack on success')
    .argument('<stream>', 'the stream')
    .requiredOption('-g, --group <group>', 'the consumer group (created if missing)')
    .option('-n, --name <name>', 'the consumer name (default: <hostname>-<pid>-<random>, the library\'s)')
    .option('--exec <command>', 'run this shell command per message with its JSON on stdin; ack when it exits 0 (default: print the message)')
    .option('-c, --count <n>', 'stop after n deliveries, handled or failed (default: run until Ctrl-C)', positiveInt)
    .option('--concurrency <n>', 'messages handled at once', positiveInt, 1)
    .addOption(new Option('--start-at <where>', 'where a new group starts: 0 (whole stream) or $ (new messages)').choices(['0', '$']).default('0'))
    .option('--visibility-timeout <ms>', "idle time before another consumer may take a message over (default: 30000, the library's)", positiveInt)
    .option('--max-deliveries <n>', "deliveries before a message goes to the dead letters (default: 5, the library's)", positiveInt)
    .option('--raw', 'do not decode: print / pass the raw fields')
    .addHelpText('after', '\nWith --json, prints one JSON object per message (NDJSON). Ctrl-C closes gracefully; twice exits at once.')
    .action(async (stream: string, flags: ConsumeFlags, command: Command) => {
      const ctx = contextOf(command);
      await ensureReachable(ctx.url.url);
      const handled = await consume(ctx, stream, flags);
      if (!ctx.json) ctx.out.error(`handled ${handled} message${handled === 1 ? '' : 's'}`);
    });
};
