/** Where a command writes: injectable so commands can be run in-process by tests. */
export interface Output {
  /** Writes a line (a newline is added) to standard output. */
  line(text: string): void;
  /** Writes a line (a newline is added) to standard error: diagnostics, progress, warnings. */
  error(text: string): void;
  /** Whether standard error is a terminal (progress bars are drawn only then). */
  readonly interactive: boolean;
}

/**
 * A writer for a process stream that goes quiet once the reader has gone away (EPIPE, as with
 * `streamq demo | head`), so the command still finishes and cleans up instead of crashing.
 */
const quietOnEpipe = (stream: NodeJS.WriteStream): ((text: string) => void) => {
  let broken = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') broken = true;
    else throw error;
  });
  return (text) => {
    if (!broken) stream.write(`${text}\n`);
  };
};

let stdoutWriter: ((text: string) => void) | undefined;
let stderrWriter: ((text: string) => void) | undefined;

/** The process's standard output and error. */
export const processOutput: Output = {
  line: (text) => (stdoutWriter ??= quietOnEpipe(process.stdout))(text),
  error: (text) => (stderrWriter ??= quietOnEpipe(process.stderr))(text),
  get interactive() {
    return process.stderr.isTTY === true;
  },
};

/** Writes `value` as one JSON document (pretty, two-space indent) on standard output. */
export const printJson = (out: Output, value: unknown): void => {
  out.line(JSON.stringify(value, (_key, v: unknown) => (v instanceof Date ? v.toISOString() : v), 2));
};
