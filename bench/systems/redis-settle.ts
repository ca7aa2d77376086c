// "Every ack confirmed" for the Redis Streams systems: the group's PEL is empty (XPENDING's
// summary count is 0). Polled on a connection of its own from the moment the last message was
// handled, so the clock stops when Redis has the last ack.
import { createClient } from 'redis';
import { pollUntil } from '../common.js';

export async function pelWatcher(url: string, stream: string, group: string) {
  const c = createClient({ url });
  c.on('error', () => {});
  await c.connect();
  return {
    async empty(): Promise<void> {
      await pollUntil(async () => {
        const reply = (await c.sendCommand(['XPENDING', stream, group])) as [number | string, ...unknown[]] | null;
        return reply !== null && Number(reply[0]) === 0;
      });
    },
    close: () => c.close(),
  };
}
