import type { Logger } from '@syndicate/observability';
import type { Consumer } from 'kafkajs';

export interface RestartOnCrashOptions {
  logger: Logger;
  /** Wait before each restart (and before each further try while restarting fails). */
  delayMs?: number;
  /** True once the owner stops the consumer on purpose: no restart then. */
  stopped: () => boolean;
}

/**
 * Keeps a kafkajs consumer running. kafkajs restarts a consumer itself after a crash it calls retriable
 * (within the client's capped retry time, see KAFKA_RETRY), but after any other crash the consumer stays
 * stopped for good and its service quietly stops consuming until someone restarts the process. This restarts
 * it after `delayMs`: connect and `run` again (its subscriptions are kept), and again while that fails, each
 * time logged as an error. Returns a function that cancels a restart still waiting.
 */
export function restartOnCrash(consumer: Consumer, run: () => Promise<void>, options: RestartOnCrashOptions): () => void {
  const { logger, stopped } = options;
  const delayMs = options.delayMs ?? 1_000;
  let timer: NodeJS.Timeout | undefined;
  const attempt = async () => {
    timer = undefined;
    if (stopped()) return;
    try {
      await consumer.connect();
      if (stopped()) return;
      await run();
      logger.warn('consumer started again after a crash');
    } catch (error) {
      logger.error({ err: error, delayMs }, 'consumer could not be started again; trying again');
      schedule();
    }
  };
  const schedule = () => {
    if (!timer && !stopped()) timer = setTimeout(() => void attempt(), delayMs);
  };
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart || stopped()) return;
    logger.error({ err: payload.error, groupId: payload.groupId, delayMs }, 'consumer crashed and kafkajs will not restart it: restarting');
    schedule();
  });
  return () => {
    clearTimeout(timer);
    timer = undefined;
  };
}
