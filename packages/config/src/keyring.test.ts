import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseConfig, SecretKeyConfig } from './index.js';
import { Keyring, KeyringError } from './keyring.js';

const key = () => randomBytes(32).toString('base64');

describe('Keyring', () => {
  const k1 = `k1:${key()}`;
  const k2 = `k2:${key()}`;

  it('seals with AES-256-GCM into enc:v1:<key id>:<iv>:<tag>:<ciphertext>, a fresh IV each time', () => {
    const ring = Keyring.parse(k1);
    const sealed = ring.seal('whsec_abc', 'sub_1');
    expect(sealed).toMatch(/^enc:v1:k1:[\w-]{16}:[\w-]{22}:[\w-]+$/);
    expect(sealed).not.toContain('whsec_abc');
    expect(ring.seal('whsec_abc', 'sub_1')).not.toBe(sealed);
    expect(ring.open(sealed, 'sub_1')).toBe('whsec_abc');
  });

  it('rotates: the first key seals, every key opens, and a ring without the old key says which key is missing', () => {
    const old = Keyring.parse(k1).seal('secret', 'ctx');
    const rotated = Keyring.parse(`${k2},${k1}`);
    expect(rotated.open(old, 'ctx')).toBe('secret');
    const fresh = rotated.seal('secret', 'ctx');
    expect(Keyring.keyIdOf(fresh)).toBe('k2');
    expect(Keyring.parse(k2).open(fresh, 'ctx')).toBe('secret');
    expect(() => Keyring.parse(k2).open(old, 'ctx')).toThrow(/key k1, which is not in SYNDICATE_SECRET_KEY/);
  });

  it('refuses altered values, values sealed for another place and values sealed with another key of the same id', () => {
    const ring = Keyring.parse(k1);
    const sealed = ring.seal('secret', 'subscription:a');
    const parts = sealed.split(':');
    const flipped = Buffer.from(parts[5]!, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    parts[5] = flipped.toString('base64url');
    expect(() => ring.open(parts.join(':'), 'subscription:a')).toThrow(KeyringError);
    expect(() => ring.open(sealed, 'subscription:b')).toThrow(/sealed for another place/);
    expect(() => Keyring.parse(`k1:${key()}`).open(sealed, 'subscription:a')).toThrow(KeyringError);
    expect(() => ring.open('whsec_plain', 'subscription:a')).toThrow(/not a sealed value/);
  });

  it('parses only well-formed keyrings and never repeats a key in its messages', () => {
    const secretish = randomBytes(16).toString('base64');
    for (const bad of ['', 'nokey', `k1:${secretish}`, `k 1:${key()}`, `k1:${key()},k1:${key()}`, `k1:${key()}!!`]) {
      expect(() => Keyring.parse(bad), bad).toThrow(KeyringError);
    }
    try {
      Keyring.parse(`k1:${secretish}`);
    } catch (error) {
      expect((error as Error).message).not.toContain(secretish);
    }
    expect(Keyring.parse(`k1:${Buffer.from(key(), 'base64').toString('base64url')}`).keyIds).toEqual(['k1']);
    expect(Keyring.parse(Keyring.generateEntry('x')).primaryId).toBe('x');
  });

  it('shows only key ids when logged', () => {
    const ring = Keyring.parse(`${k2},${k1}`);
    expect(JSON.stringify(ring)).toBe('{"keyIds":["k2","k1"],"primaryId":"k2"}');
    expect(inspect(ring)).toBe('Keyring(k2, k1)');
  });
});

describe('SYNDICATE_SECRET_KEY', () => {
  const Schema = SecretKeyConfig.extend({ OTHER: z.string().default('x') });

  it('is required, with a message that says what it is and how to make one', () => {
    expect(() => parseConfig(Schema, {})).toThrow(
      /required: the keyring that encrypts webhook and WebSub secrets[\s\S]*SYNDICATE_SECRET_KEY/,
    );
    expect(() => parseConfig(Schema, {})).toThrow(/openssl rand -base64 32/);
  });

  it('must parse as a keyring', () => {
    expect(() => parseConfig(Schema, { SYNDICATE_SECRET_KEY: 'k1:short' })).toThrow(/must be 32 random bytes/);
    expect(parseConfig(Schema, { SYNDICATE_SECRET_KEY: `k1:${key()}` }).SYNDICATE_SECRET_KEY).toMatch(/^k1:/);
  });
});
