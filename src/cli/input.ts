import { readFile } from 'node:fs/promises';
import { CliError, ExitCode } from './exit-codes.js';

/**
 * Parses NDJSON text: one JSON value per line, blank lines skipped.
 * @param source - how to name the input in errors (`stdin`, a file name).
 * @throws CliError naming the first invalid line's number (1-based), before anything is sent.
 */
export const parseNdjson = (text: string, source: string): unknown[] => {
  const values: unknown[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      values.push(JSON.parse(line));
    } catch (error) {
      throw new CliError(`${source}: line ${index + 1} is not valid JSON (${(error as Error).message}); nothing was sent`, ExitCode.Failure);
    }
  }
  return values;
};

/**
 * Parses message arguments, each a JSON value.
 * @throws CliError (exit 2) naming the first invalid argument's position.
 */
export const parseJsonArgs = (args: string[]): unknown[] =>
  args.map((arg, index) => {
    try {
      return JSON.parse(arg) as unknown;
    } catch (error) {
      throw new CliError(
        `argument ${index + 1} is not valid JSON (${(error as Error).message}); quote strings as '"text"'; nothing was sent`,
        ExitCode.Usage,
      );
    }
  });

/** Reads all of a readable stream as UTF-8 text. */
export const readAll = async (stream: NodeJS.ReadableStream): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
};

/** Reads a file as UTF-8 text, with a clear error when it cannot be read. */
export const readTextFile = async (path: string): Promise<string> => {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, ExitCode.Failure, { cause: error });
  }
};
