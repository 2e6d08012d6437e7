import { z } from 'zod';
import { ArticleData, ArticleSubmission, WithdrawalData } from './article.js';
import { EnrichedRecord } from './enriched.js';
import { Subscription, SubscriptionRequest } from './subscription.js';

/** JSON Schema for each contract, keyed by the file name it is published under. */
export function jsonSchemas(): Record<string, unknown> {
  const schemas = {
    'article-data': ArticleData,
    'article-submission': ArticleSubmission,
    'withdrawal-data': WithdrawalData,
    'enriched-record': EnrichedRecord,
    'subscription-request': SubscriptionRequest,
    subscription: Subscription,
  };
  return Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => [
      name,
      // Refinements (blank strings, lone surrogates) and control-character removal are not in JSON Schema; the API still applies them.
      { $id: `https://syndicate.dev/schemas/${name}.schema.json`, ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) },
    ]),
  );
}
