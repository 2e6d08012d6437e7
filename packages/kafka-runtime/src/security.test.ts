import { describe, expect, it } from 'vitest';
import { kafkaSecurity } from './security.js';

describe('kafkaSecurity', () => {
  it('adds nothing for a plain broker', () => {
    expect(kafkaSecurity({ KAFKA_SSL: false })).toEqual({});
  });

  it('turns on TLS', () => {
    expect(kafkaSecurity({ KAFKA_SSL: true })).toEqual({ ssl: true });
  });

  it('passes SASL credentials with their mechanism, over TLS when asked', () => {
    expect(
      kafkaSecurity({ KAFKA_SSL: true, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: 'pw' }),
    ).toEqual({ ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'svc', password: 'pw' } });
  });

  it('refuses a mechanism without both credentials', () => {
    expect(() => kafkaSecurity({ KAFKA_SSL: false, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'svc' })).toThrow(
      /needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/,
    );
  });
});
