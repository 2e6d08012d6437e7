import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

const SEALED_PREFIX = 'enc:v1:';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const KEY_BYTES = 32; // AES-256
const IV_BYTES = 12; // the GCM standard nonce; random per value, so one key seals far fewer than 2^32 values safely
const TAG_BYTES = 16;

/** A keyring that cannot be parsed, or a sealed value that cannot be opened; never carries key material. */
export class KeyringError extends Error {}

/**
 * Secrets at rest (webhook secrets on the `subscriptions` topic, WebSub secrets in Redis and in jobs), sealed
 * with AES-256-GCM under a keyring read from `SYNDICATE_SECRET_KEY`: `k2:<base64 key>,k1:<base64 old key>`.
 * The first key seals; every key opens, so a key is rotated by putting a new one first and dropping the old
 * one once nothing sealed with it is left (records are sealed again with the first key whenever they are
 * written). A sealed value is `enc:v1:<key id>:<iv>:<tag>:<ciphertext>`, base64url. `context` is
 * authenticated but not stored: it binds a value to its place (a subscription id and field), so a ciphertext
 * copied into another record does not open there.
 */
export class Keyring {
  readonly #keys: Map<string, Buffer>;
  /** The id of the key that seals. */
  readonly primaryId: string;

  private constructor(keys: Map<string, Buffer>, primaryId: string) {
    this.#keys = keys;
    this.primaryId = primaryId;
  }

  /** Parses `id:base64key[,id:base64key…]`; says what is wrong without echoing any key. */
  static parse(spec: string): Keyring {
    const keys = new Map<string, Buffer>();
    let primaryId: string | undefined;
    const entries = spec
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    for (const [n, entry] of entries.entries()) {
      const colon = entry.indexOf(':');
      const id = colon === -1 ? '' : entry.slice(0, colon);
      const encoded = entry.slice(colon + 1);
      if (!KEY_ID.test(id)) throw new KeyringError(`key ${n + 1}: expected id:base64key, the id 1-32 characters of A-Z a-z 0-9 _ -`);
      if (keys.has(id)) throw new KeyringError(`key id ${id} appears twice`);
      const key = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : null; // Node's base64 also reads base64url
      if (key?.length !== KEY_BYTES)
        throw new KeyringError(`key ${id}: must be ${KEY_BYTES} random bytes in base64 (openssl rand -base64 32)`);
      keys.set(id, key);
      primaryId ??= id;
    }
    if (primaryId === undefined) throw new KeyringError('no key: expected id:base64key, e.g. k1:<32 random bytes in base64>');
    return new Keyring(keys, primaryId);
  }

  /** A new key entry for SYNDICATE_SECRET_KEY: `id:base64key`. */
  static generateEntry(id = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`): string {
    return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
  }

  static isSealed(value: string): boolean {
    return value.startsWith(SEALED_PREFIX);
  }

  /** The id of the key a sealed value was made with (to find values still sealed with an old key). */
  static keyIdOf(sealed: string): string | undefined {
    return Keyring.isSealed(sealed) ? sealed.slice(SEALED_PREFIX.length).split(':', 1)[0] : undefined;
  }

  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  seal(plaintext: string, context: string): string {
    const key = this.#keys.get(this.primaryId) as Buffer;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString('base64url'));
    return `${SEALED_PREFIX}${this.primaryId}:${parts.join(':')}`;
  }

  open(sealed: string, context: string): string {
    if (!Keyring.isSealed(sealed)) throw new KeyringError('not a sealed value (enc:v1:…)');
    const [id = '', iv = '', tag = '', ciphertext] = sealed.slice(SEALED_PREFIX.length).split(':');
    const key = this.#keys.get(id);
    if (!key) throw new KeyringError(`sealed with key ${id}, which is not in SYNDICATE_SECRET_KEY (${this.keyIds.join(', ')})`);
    if (ciphertext === undefined) throw new KeyringError('a sealed value needs key id, iv, tag and ciphertext');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new KeyringError(`a value sealed with key ${id} does not open here: altered, or sealed for another place`);
    }
  }

  /** Logs and JSON show the key ids only. */
  toJSON() {
    return { keyIds: this.keyIds, primaryId: this.primaryId };
  }

  [inspect.custom]() {
    return `Keyring(${this.keyIds.join(', ')})`;
  }
}
