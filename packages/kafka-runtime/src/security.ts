import type { SASLOptions } from 'kafkajs';

/** How to reach a secured Kafka (a managed one, typically): TLS, SASL, or both. */
export interface KafkaSecuritySettings {
  /** TLS to every broker. A private CA is trusted through NODE_EXTRA_CA_CERTS, as for every TLS client of Node. */
  KAFKA_SSL: boolean;
  KAFKA_SASL_MECHANISM?: 'plain' | 'scram-sha-256' | 'scram-sha-512' | undefined;
  KAFKA_SASL_USERNAME?: string | undefined;
  KAFKA_SASL_PASSWORD?: string | undefined;
}

export interface KafkaSecurity {
  ssl?: true;
  sasl?: SASLOptions;
}

/**
 * The kafkajs connection options for the settings: nothing for a plain local broker, `ssl` for TLS, `sasl` with
 * the mechanism and credentials (SASL over TLS when both, as managed services want). A mechanism without both
 * credentials is refused here, at start, rather than by the broker at the first connection.
 */
export function kafkaSecurity(settings: KafkaSecuritySettings): KafkaSecurity {
  const security: KafkaSecurity = settings.KAFKA_SSL ? { ssl: true } : {};
  const mechanism = settings.KAFKA_SASL_MECHANISM;
  if (mechanism === undefined) return security;
  const { KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = settings;
  if (!username || !password) throw new Error(`KAFKA_SASL_MECHANISM ${mechanism} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`);
  return { ...security, sasl: { mechanism, username, password } };
}
