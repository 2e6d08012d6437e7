import { describe, expect, it } from 'vitest';
import { CloudEventFormatError, fromKafkaRecord, newEventAttributes, toKafkaRecord } from './cloudevents.js';

describe('CloudEvents binary mode on Kafka', () => {
  it('round-trips attributes through ce_ headers and data through the value', () => {
    const attributes = newEventAttributes({ source: 'test', type: 'article.published', partitionkey: 'a1', subject: 'a1' });
    const record = toKafkaRecord(attributes, { hello: 'world' });
    expect(record.key).toBe('a1');
    expect(record.headers).toMatchObject({
      ce_specversion: '1.0',
      ce_type: 'article.published',
      ce_source: 'test',
      'content-type': 'application/json',
    });
    const back = fromKafkaRecord(record.headers, record.value);
    expect(back.attributes).toMatchObject({ id: attributes.id, type: 'article.published', partitionkey: 'a1' });
    expect(back.data).toEqual({ hello: 'world' });
  });

  it.each([
    ['no headers at all', undefined, Buffer.from('{}'), 'ce_specversion'],
    ['a missing ce_type', { ce_specversion: '1.0', ce_id: '1', ce_source: 's' }, Buffer.from('{}'), 'ce_type'],
    ['a value that is not JSON', { ce_specversion: '1.0', ce_id: '1', ce_source: 's', ce_type: 't' }, Buffer.from('{nope'), 'not JSON'],
    ['broken UTF-8', { ce_specversion: '1.0', ce_id: '1', ce_source: 's', ce_type: 't' }, Buffer.from([0x7b, 0xff, 0x7d]), ''],
    ['an empty value', { ce_specversion: '1.0', ce_id: '1', ce_source: 's', ce_type: 't' }, null, 'empty'],
  ])('refuses %s with a reason', (_name, headers, value, reason) => {
    expect(() => fromKafkaRecord(headers, value)).toThrow(reason ? new RegExp(reason) : Error);
  });

  it('says which error class a format problem is', () => {
    expect(() => fromKafkaRecord({}, Buffer.from('{}'))).toThrow(CloudEventFormatError);
  });
});
