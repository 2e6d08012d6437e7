/**
 * CloudEvents 1.0 in Kafka binary content mode (spec: kafka-protocol-binding.md): the attributes are
 * `ce_`-prefixed headers, the data is the message value, and `content-type` names its format.
 */
import { randomUUID } from 'node:crypto';

export interface CloudEventAttributes {
  id: string;
  source: string;
  type: string;
  time: string;
  subject?: string;
  /** Extension from the Kafka binding: the message key, here always the article id. */
  partitionkey: string;
}

export interface KafkaRecord {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

const REQUIRED = ['id', 'source', 'type'] as const;

export function newEventAttributes(
  fields: Omit<CloudEventAttributes, 'id' | 'time'> & Partial<CloudEventAttributes>,
): CloudEventAttributes {
  return { id: randomUUID(), time: new Date().toISOString(), ...fields };
}

export function toKafkaRecord(attributes: CloudEventAttributes, data: unknown): KafkaRecord {
  const headers: Record<string, string> = { ce_specversion: '1.0', 'content-type': 'application/json' };
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined) headers[`ce_${name}`] = String(value);
  }
  return { key: attributes.partitionkey, value: Buffer.from(JSON.stringify(data)), headers };
}

export class CloudEventFormatError extends Error {}

type RawHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** Reads a binary-mode event back; throws `CloudEventFormatError` saying what is missing or malformed. */
export function fromKafkaRecord(
  headers: RawHeaders | undefined,
  value: Buffer | null,
): { attributes: CloudEventAttributes; data: unknown } {
  const h = normaliseHeaders(headers);
  if (h.ce_specversion !== '1.0')
    throw new CloudEventFormatError(`ce_specversion must be 1.0, got ${JSON.stringify(h.ce_specversion ?? null)}`);
  for (const name of REQUIRED) {
    if (!h[`ce_${name}`]) throw new CloudEventFormatError(`missing CloudEvents attribute header ce_${name}`);
  }
  const contentType = h['content-type'] ?? 'application/json';
  if (!/^application\/(cloudevents\+)?json\b/.test(contentType)) throw new CloudEventFormatError(`unsupported content-type ${contentType}`);
  if (value === null || value.length === 0) throw new CloudEventFormatError('empty message value');
  const text = new TextDecoder('utf-8', { fatal: true }).decode(value, { stream: false });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CloudEventFormatError(`value is not JSON: ${(error as Error).message}`);
  }
  return {
    attributes: {
      id: h.ce_id as string,
      source: h.ce_source as string,
      type: h.ce_type as string,
      time: h.ce_time ?? '',
      subject: h.ce_subject,
      partitionkey: h.ce_partitionkey ?? '',
    },
    data,
  };
}

export function normaliseHeaders(headers: RawHeaders | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    out[name.toLowerCase()] = value === undefined ? undefined : value.toString();
  }
  return out;
}
