import { createInterface } from 'node:readline';
import { Agent } from 'undici';
import { client, tally, type FloodMessage, type FloodReport } from './noisy-neighbour';

const send = (message: FloodMessage) => process.stdout.write(`${JSON.stringify(message)}\n`);

/**
 * Tenant A's flood as a process of its own (see runNoisyNeighbour): FLOOD_OPTIONS names the base URLs, the API
 * key and the connections. Each `{"seconds": n}` line on stdin starts a burst of n seconds; it answers with one
 * line when the connections start and one with the tally. Exits when stdin ends.
 */
async function main(): Promise<void> {
  const o = JSON.parse(process.env.FLOOD_OPTIONS ?? '{}') as {
    urls: string[];
    apiKey: string;
    connections: number;
  };
  const agent = new Agent({ connections: o.connections });
  send({ ready: true });
  for await (const line of createInterface({ input: process.stdin })) {
    const { seconds } = JSON.parse(line) as { seconds: number };
    const into = tally();
    const startedAt = Date.now();
    send({ startedAt });
    await Promise.all(
      Array.from({ length: o.connections }, (_, i) =>
        client(agent, o.urls[i % o.urls.length], o.apiKey, startedAt + seconds * 1000, into, i),
      ),
    );
    const report: FloodReport = {
      latenciesMs: into.latenciesMs,
      statuses: [...into.statuses],
      retryAfter: into.retryAfter,
      startedAt,
      endedAt: Date.now(),
    };
    send({ report });
  }
  await agent.close();
}

void main();
