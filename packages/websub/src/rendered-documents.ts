import { createHash } from 'node:crypto';
import type { Redis } from '@syndicate/redis-runtime';

export interface StoredDocument {
  body: Buffer;
  contentType: string;
}

/**
 * Feed documents rendered for a distribution, kept in Redis by the SHA-256 of their bytes for as long as
 * their pushes may still be retried: a change is rendered once per topic and pushed to every subscriber
 * from the same bytes, whichever delivery process makes each push.
 */
export class RenderedDocuments {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    /** Longer than a push's retries take (six attempts, backing off from 5 s: about 3 min). */
    private readonly ttlMs = 3_600_000,
  ) {}

  private key = (id: string) => `${this.keyPrefix}websub:doc:${id}`;

  /** Stores a document and returns its id. */
  async put(document: StoredDocument): Promise<string> {
    const id = createHash('sha256').update(document.body).digest('hex');
    await this.redis
      .multi()
      .hset(this.key(id), 'body', document.body, 'contentType', document.contentType)
      .pexpire(this.key(id), this.ttlMs)
      .exec();
    return id;
  }

  /** The document, or null once it has expired (the push then renders the feed as it is now). */
  async get(id: string): Promise<StoredDocument | null> {
    const [body, contentType] = await this.redis.hmgetBuffer(this.key(id), 'body', 'contentType');
    return body && contentType ? { body, contentType: contentType.toString('utf8') } : null;
  }
}
