/**
 * Every Kafka topic name in one place. `prefix` isolates tests (and tenants) sharing one cluster.
 */
export function topicNames(prefix = '') {
  return {
    articleEvents: `${prefix}article-events`,
    articleEnriched: `${prefix}article-enriched`,
    subscriptions: `${prefix}subscriptions`,
    /** Operational events for operators: an endpoint disabled, and the like. */
    operations: `${prefix}operational-events`,
    partner: (partnerId: string) => `${prefix}partner.${partnerId}`,
  } as const;
}
export type TopicNames = ReturnType<typeof topicNames>;

/** Where a topic's unprocessable messages go, with the reason in headers. */
export const deadLetterTopic = (topic: string) => `${topic}.dlq`;

/** Headers the consumer loop adds to a dead-lettered message. */
export const DLQ_HEADERS = {
  error: 'error',
  stage: 'error-stage',
  retries: 'retries',
  originalTopic: 'original-topic',
  originalPartition: 'original-partition',
  originalOffset: 'original-offset',
} as const;
