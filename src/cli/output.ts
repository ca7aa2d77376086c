/** Where a command writes: injectable so commands can be run in-process by tests. */
export interface Output {
  /** Writes a line (a newline is added) to standard output. */
  line(text: string): void;
  /** Writes a line (a newline is added) to standard error: diagnostics, progress, warnings. */
  error(text: string): void;
  /** Whether standard error is a terminal (progress bars are drawn only then). */
  readonly interactive: boolean;
}

/** The process's standard output and error. */
export const processOutput: Output = {
  line: (text) => void process.stdout.write(`${text}\n`),
  error: (text) => void process.stderr.write(`${text}\n`),
  get interactive() {
    return process.stderr.isTTY === true;
  },
};

/** Writes `value` as one JSON document (pretty, two-space indent) on standard output. */
export const printJson = (out: Output, value: unknown): void => {
  out.line(JSON.stringify(value, (_key, v: unknown) => (v instanceof Date ? v.toISOString() : v), 2));
};
