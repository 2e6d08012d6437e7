/**
 * KeyedProducer without a broker: a send to an address where nothing listens fails with BusUnavailableError within
 * its deadline (it does not wait out kafkajs' patience), and while the broker is known down it fails at once.
 */
import { createServer } from 'node:net';
import { createLogger } from '@syndicate/observability';
import { describe, expect, it } from 'vitest';
import { createKafka, KAFKA_FAIL_FAST_RETRY } from './client.js';
import { BusUnavailableError, KeyedProducer } from './producer.js';
import { isInfrastructureError } from './results.js';

/** A port nothing listens on: taken, then released. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const record = { key: 'a1', value: '{}', headers: {} };

describe('KeyedProducer with no broker', () => {
  it('fails a send with BusUnavailableError within sendTimeoutMs, and at once while known down', async () => {
    const kafka = createKafka({
      brokers: [`127.0.0.1:${await closedPort()}`],
      clientId: 'producer-test',
      logger: createLogger('producer-test', 'silent'),
      retry: KAFKA_FAIL_FAST_RETRY,
    });
    let down = false;
    const producer = new KeyedProducer(kafka, { retry: KAFKA_FAIL_FAST_RETRY, sendTimeoutMs: 1_500, knownDown: () => down });
    try {
      const SEND_BUDGET_MS = 2_000; // the API's promise: a 503 within 2 s
      let startedAt = performance.now();
      const failure = await producer.send('t', [record]).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(BusUnavailableError);
      expect(isInfrastructureError(failure)).toBe(true); // a consumer loop retries it, never dead-letters it
      expect(performance.now() - startedAt).toBeLessThan(SEND_BUDGET_MS);

      down = true;
      startedAt = performance.now();
      await expect(producer.send('t', [record])).rejects.toThrow(/nothing was sent/);
      expect(performance.now() - startedAt).toBeLessThan(50);
    } finally {
      await producer.stop();
    }
  });
});
