import { readFile } from 'node:fs/promises';
import { CliError, ExitCode } from './exit-codes.js';

/** One message of the input, with where it came from. */
export interface InputMessage {
  /** Its 1-based line number in the NDJSON input (or its position among the arguments). */
  line: number;
  /** The parsed JSON value. */
  value: unknown;
}

/** Why one line of the input cannot be sent. */
export interface InputProblem {
  /** Its 1-based line number. */
  line: number;
  /** Why, e.g. "not valid JSON (…)". */
  reason: string;
}

/**
 * Parses NDJSON text: one JSON value per line, blank lines skipped, lines before `fromLine`
 * skipped (already sent by an earlier run). Every line is parsed; each invalid one is reported
 * with its number, none is thrown, so the caller can report them all before sending anything.
 */
export const readNdjson = (text: string, fromLine = 1): { messages: InputMessage[]; problems: InputProblem[] } => {
  const messages: InputMessage[] = [];
  const problems: InputProblem[] = [];
  const lines = text.split(/\r?\n/);
  for (let index = fromLine - 1; index < lines.length; index++) {
    const line = lines[index] as string;
    if (line.trim() === '') continue;
    try {
      messages.push({ line: index + 1, value: JSON.parse(line) as unknown });
    } catch (error) {
      problems.push({ line: index + 1, reason: `not valid JSON (${(error as Error).message})` });
    }
  }
  return { messages, problems };
};

const SHOWN_PROBLEMS = 10;

/**
 * The error for invalid input lines (exit 1): each line's number and reason (the first ten),
 * and that nothing was sent.
 * @param source - how to name the input (`stdin`, a file name).
 */
export const invalidLines = (source: string, problems: InputProblem[]): CliError => {
  const [first] = problems;
  if (problems.length === 1 && first) return new CliError(`${source}: line ${first.line}: ${first.reason}; nothing was sent`, ExitCode.Failure);
  const shown = problems.slice(0, SHOWN_PROBLEMS).map((p) => `  line ${p.line}: ${p.reason}`);
  const more = problems.length > SHOWN_PROBLEMS ? [`  … and ${problems.length - SHOWN_PROBLEMS} more`] : [];
  return new CliError([`${source}: ${problems.length} invalid lines; nothing was sent:`, ...shown, ...more].join('\n'), ExitCode.Failure);
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
