import { spawn } from 'node:child_process';

/** What `consume --exec` writes on the command's standard input (one JSON document). */
export interface ExecPayload {
  /** The entry ID. */
  id: string;
  /** The stream. */
  stream: string;
  /** The consumer group. */
  group: string;
  /** The consumer. */
  consumer: string;
  /** Redis's delivery counter (1 on first delivery). */
  deliveries: number;
  /** The message's headers. */
  headers: Record<string, string>;
  /** The decoded payload (`null` for a foreign entry in raw mode). */
  data: unknown;
  /** The entry's raw fields. */
  fields: Record<string, string>;
}

/**
 * Runs `command` through `/bin/sh -c`, writes `payload` as JSON on its standard input and
 * resolves when it exits 0; rejects otherwise (so the message is retried, not acknowledged).
 * Its standard output and error pass through. `STREAMQ_ID`, `STREAMQ_STREAM`, `STREAMQ_GROUP`
 * and `STREAMQ_DELIVERIES` are set in its environment.
 */
export const runExec = (command: string, payload: ExecPayload): Promise<void> =>
  new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], {
      stdio: ['pipe', 'inherit', 'inherit'],
      env: {
        ...process.env,
        STREAMQ_ID: payload.id,
        STREAMQ_STREAM: payload.stream,
        STREAMQ_GROUP: payload.group,
        STREAMQ_DELIVERIES: String(payload.deliveries),
      },
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`--exec command ${signal ? `was killed by ${signal}` : `exited with ${code}`} for ${payload.id}`));
    });
    child.stdin.on('error', () => undefined); // the command may not read its input (EPIPE)
    child.stdin.end(`${JSON.stringify(payload)}\n`);
  });
