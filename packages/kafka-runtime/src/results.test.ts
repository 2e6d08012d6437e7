import { describe, expect, it } from 'vitest';
import { classifyFailure, isInfrastructureError, TransientError } from './results.js';

describe('isInfrastructureError', () => {
  it('recognises dependency trouble', () => {
    expect(isInfrastructureError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isInfrastructureError(Object.assign(new Error('not leader'), { name: 'KafkaJSProtocolError', retriable: true }))).toBe(true);
    expect(isInfrastructureError(Object.assign(new Error('x'), { name: 'KafkaJSConnectionError' }))).toBe(true);
    expect(isInfrastructureError(new Error('Connection is closed.'))).toBe(true);
  });

  it('leaves the message’s own faults alone, so they are dead-lettered instead of retried forever', () => {
    expect(isInfrastructureError(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
    expect(isInfrastructureError('a string')).toBe(false);
    expect(() => classifyFailure(new TypeError('bug'))).toThrow(TypeError);
    expect(() => classifyFailure(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toThrow(TransientError);
  });
});
