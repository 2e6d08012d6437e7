import type { EnrichedRecord } from '@syndicate/contracts';
import { toNative } from './native.js';
import { toNinjs } from './ninjs.js';

export { toNative } from './native.js';
export { ninjsUri, toNinjs } from './ninjs.js';

export type PartnerFormat = 'ninjs' | 'native';

/** A partner queue message: value and headers (the event type travels in `ce_type` for both formats). */
export function partnerMessage(record: EnrichedRecord, format: PartnerFormat, now = new Date()) {
  const id = record.type === 'article.withdrawn' ? record.id : record.article.id;
  const version = record.type === 'article.withdrawn' ? record.version : record.article.version;
  const value = format === 'ninjs' ? toNinjs(record, now) : toNative(record);
  return {
    key: id,
    value: JSON.stringify(value),
    headers: { 'content-type': 'application/json', ce_type: record.type, 'syndicate-format': format, 'syndicate-version': String(version) },
  };
}
