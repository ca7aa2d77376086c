// One measured process: the consumer side, the producer side of one system, or a PING loop.
// Started by the orchestrator with fork(); driven over the IPC channel (ParentMsg / ChildMsg in
// common.ts). Its CPU is read by the orchestrator from /proc/<pid>/stat.
import type { ChildMsg, ParentMsg } from './common.js';
import { consumerRole } from './child-consumer.js';
import { pingRole, producerRole } from './child-producer.js';
import { withDeadline } from './measure.js';

const send = (m: ChildMsg) => {
  if (process.send) process.send(m);
};

process.on('disconnect', () => process.exit(1));
process.on('unhandledRejection', (err) => {
  send({ type: 'error', message: `unhandledRejection: ${String((err as Error)?.stack ?? err)}` });
});

interface Role {
  mark?(): void;
  start(): Promise<void>;
  close(): Promise<void>;
}

let role: Role | undefined;

process.on('message', (raw) => {
  void handle(raw as ParentMsg).catch((err: unknown) => {
    send({ type: 'error', message: String((err as Error)?.stack ?? err) });
  });
});

async function handle(msg: ParentMsg): Promise<void> {
  switch (msg.type) {
    case 'init': {
      const init = msg.init;
      role = init.role === 'consumer' ? await consumerRole(init, send) : init.role === 'producer' ? await producerRole(init, send) : await pingRole(init, send);
      send({ type: 'ready', rssBytes: process.memoryUsage.rss() });
      return;
    }
    case 'mark':
      role?.mark?.();
      send({ type: 'marked' });
      return;
    case 'start':
      await role?.start();
      return;
    case 'close':
      try {
        if (role) await withDeadline(role.close(), 15_000, 'close');
      } finally {
        send({ type: 'closed' });
        setTimeout(() => process.exit(0), 20).unref();
      }
      return;
  }
}
