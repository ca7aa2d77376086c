/**
 * A tiny one-shot RESP2 client used by the support helpers to probe servers (PING, INFO,
 * CLUSTER INFO/NODES) without depending on the library under test or on node-redis state.
 *
 * Each call opens a connection, optionally AUTHs, sends one command, reads one reply and closes.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** A decoded RESP2 reply. Bulk strings are decoded as UTF-8. */
export type RespValue = string | number | null | RespError | RespValue[];

/** An error reply (`-ERR ...`) from the server. */
export class RespError extends Error {
  override readonly name = 'RespError';
}

/** Where and how to connect. */
export interface RespTarget {
  host: string;
  port: number;
  /** Sent with AUTH before the command. */
  password?: string;
  /** Connect with TLS, trusting this CA file (PEM path). */
  tls?: { ca: string };
}

/** Result of parsing one value: the value and the offset just past it, or undefined if incomplete. */
type Parsed = { value: RespValue; next: number } | undefined;

/** Encodes a command as a RESP array of bulk strings. */
export function encodeCommand(args: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.from(arg, 'utf8');
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Parses the RESP2 value starting at `offset`, or returns undefined if more bytes are needed. */
export function parseReply(buffer: Buffer, offset = 0): Parsed {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd === -1) return undefined;
  const type = String.fromCharCode(buffer[offset] as number);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const afterLine = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, next: afterLine };
    case '-':
      return { value: new RespError(line), next: afterLine };
    case ':':
      return { value: Number(line), next: afterLine };
    case '$':
      return parseBulk(buffer, Number(line), afterLine);
    case '*':
      return parseArray(buffer, Number(line), afterLine);
    default:
      throw new Error(`resp: unexpected reply type ${JSON.stringify(type)}`);
  }
}

/** Parses the payload of a bulk string of `length` bytes. */
function parseBulk(buffer: Buffer, length: number, start: number): Parsed {
  if (length < 0) return { value: null, next: start };
  if (buffer.length < start + length + 2) return undefined;
  return { value: buffer.toString('utf8', start, start + length), next: start + length + 2 };
}

/** Parses `count` array elements. */
function parseArray(buffer: Buffer, count: number, start: number): Parsed {
  if (count < 0) return { value: null, next: start };
  const items: RespValue[] = [];
  let next = start;
  for (let i = 0; i < count; i += 1) {
    const item = parseReply(buffer, next);
    if (item === undefined) return undefined;
    items.push(item.value);
    next = item.next;
  }
  return { value: items, next };
}

/** Creates a plain or TLS socket to the target (connection starts immediately). */
function createSocket(target: RespTarget): Socket {
  if (!target.tls) return netConnect({ host: target.host, port: target.port });
  return tlsConnect({ host: target.host, port: target.port, ca: readFileSync(target.tls.ca) });
}

/**
 * Writes the commands and resolves with one reply per command. The socket is destroyed when the
 * exchange ends, fails or exceeds `timeoutMs`.
 */
function exchange(
  target: RespTarget,
  commands: readonly (readonly string[])[],
  timeoutMs: number,
): Promise<RespValue[]> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(target);
    const replies: RespValue[] = [];
    let buffer = Buffer.alloc(0);
    const finish = (error: Error | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(replies);
    };
    const what = `${commands.at(-1)?.[0] ?? 'command'} to ${target.host}:${target.port}`;
    const timer = setTimeout(() => finish(new Error(`resp: ${what} timed out after ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      try {
        for (let parsed = parseReply(buffer); parsed; parsed = parseReply(buffer)) {
          replies.push(parsed.value);
          buffer = buffer.subarray(parsed.next);
          if (replies.length === commands.length) return finish(undefined);
        }
      } catch (error) {
        finish(error as Error);
      }
    });
    socket.on('error', (error) => finish(error));
    socket.on('close', () => finish(new Error('resp: connection closed before the reply')));
    socket.write(Buffer.concat(commands.map(encodeCommand)));
  });
}

/**
 * Sends one command to a Redis server over a fresh connection and returns the raw reply.
 * Error replies are returned as {@link RespError} values (not thrown), so callers can react to
 * `LOADING`, `NOAUTH` and similar; connection failures and timeouts reject.
 */
export async function respCommandRaw(
  target: RespTarget,
  args: readonly string[],
  timeoutMs = 3000,
): Promise<RespValue> {
  const commands = target.password ? [['AUTH', target.password], args] : [args];
  const replies = await exchange(target, commands, timeoutMs);
  const auth = replies.length === 2 ? replies[0] : undefined;
  if (auth instanceof RespError) throw auth;
  return replies[replies.length - 1] as RespValue;
}

/** Like {@link respCommandRaw} but throws error replies. */
export async function respCommand(
  target: RespTarget,
  args: readonly string[],
  timeoutMs = 3000,
): Promise<RespValue> {
  const reply = await respCommandRaw(target, args, timeoutMs);
  if (reply instanceof RespError) throw reply;
  return reply;
}

/** Parses `key:value` lines of an INFO / CLUSTER INFO reply into a map. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}
