import { setTimeout as sleep } from 'node:timers/promises';
import { luaScript, type Redis } from '@syndicate/redis-runtime';

/** See the scripts for the states and why a failed publish keeps its version. */
const ASSIGN = luaScript<Array<[number, number, number]>>('@syndicate/api/lua/article-versions-assign.lua');
const SETTLE = luaScript<number>('@syndicate/api/lua/article-versions-settle.lua');

export class StaleVersionError extends Error {
  constructor(
    readonly requested: number,
    readonly latest: number,
  ) {
    super(`version ${requested} is not newer than the latest version ${latest}`);
  }
}

/** The same content is being published by another request that has not finished within the wait. */
export class PublishInFlightError extends Error {
  constructor(readonly version: number) {
    super(`the same content is being published as version ${version} by another request; try again`);
  }
}

export interface VersionAssignment {
  version: number;
  isNew: boolean;
  /** The content is the latest version's: nothing to publish. */
  unchanged: boolean;
}

/** An assigned version at the end of its publish. */
export interface SettledVersion {
  id: string;
  digest: string;
  version: number;
  /** Its event type: a failed first publication is published again as one. */
  type?: string;
}

/** One article of a batch: its id, content digest and the version the client asked for (if any). */
export interface VersionRequest {
  id: string;
  digest: string;
  requested?: number;
}

/**
 * Per-article version counters in Redis, so versions stay monotonic across API replicas, with the digest of
 * each article's latest content beside them, so a retried publish is answered with the version it made instead
 * of making another.
 */
export class ArticleVersions {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly options: {
      /** How long a publish may hold its content before an identical request may make a version of its own. */
      leaseMs?: number;
      /** How long an identical request waits for a publish in flight before it is told to retry. */
      waitMs?: number;
      /** How long a failed publish is remembered, so that identical content publishes its version again (24 h). */
      unsentMs?: number;
    } = {},
  ) {}

  /**
   * An article's counter, latest digest and publish in flight. All articles' keys share one hash tag, so a batch's
   * articles are assigned in one script call on a Redis Cluster too.
   */
  private keys = (id: string) => [
    `${this.keyPrefix}{articles}:version:${id}`,
    `${this.keyPrefix}{articles}:digest:${id}`,
    `${this.keyPrefix}{articles}:in-flight:${id}`,
  ];

  /**
   * The version for content with this digest: `requested`, or the next one if undefined, or the latest if that
   * has the same content (already published: `unchanged`; its publish failed: to be published again). Unless
   * `unchanged`, call `settle` once the event is published (or failed to be).
   */
  async assign(id: string, digest: string, requested?: number): Promise<VersionAssignment> {
    const deadline = Date.now() + (this.options.waitMs ?? 5_000);
    for (;;) {
      const [triple] = await ASSIGN.run(this.redis, this.keys(id), [requested ?? 0, digest, this.options.leaseMs ?? 30_000]);
      const [version, previous, state] = triple as [number, number, number];
      if (version === -1) throw new StaleVersionError(requested ?? 0, previous);
      if (state !== 2) return { version, isNew: previous === 0, unchanged: state === 1 };
      // Its event is not on Kafka yet: answering "unchanged" now could confirm a version that never gets out.
      if (Date.now() >= deadline) throw new PublishInFlightError(version);
      await sleep(20);
    }
  }

  /**
   * `assign` for many articles in one script call (and one more per 20 ms wait while some wait for a publish in
   * flight). The answers are in order: an assignment, or the error `assign` would have thrown for that article.
   */
  async assignMany(requests: VersionRequest[]): Promise<Array<VersionAssignment | StaleVersionError | PublishInFlightError>> {
    const deadline = Date.now() + (this.options.waitMs ?? 5_000);
    const answers: Array<VersionAssignment | StaleVersionError | PublishInFlightError | undefined> = new Array(requests.length);
    let pending = requests.map((_, i) => i);
    for (;;) {
      const keys = pending.flatMap((i) => this.keys((requests[i] as VersionRequest).id));
      const args = pending.flatMap((i) => {
        const r = requests[i] as VersionRequest;
        return [r.requested ?? 0, r.digest, this.options.leaseMs ?? 30_000];
      });
      const triples = await ASSIGN.run(this.redis, keys, args);
      const waiting: number[] = [];
      pending.forEach((i, n) => {
        const [version, previous, state] = triples[n] as [number, number, number];
        if (version === -1) answers[i] = new StaleVersionError(requests[i]?.requested ?? 0, previous);
        else if (state !== 2) answers[i] = { version, isNew: previous === 0, unchanged: state === 1 };
        else if (Date.now() >= deadline) answers[i] = new PublishInFlightError(version);
        else waiting.push(i);
      });
      if (waiting.length === 0) return answers as Array<VersionAssignment | StaleVersionError | PublishInFlightError>;
      pending = waiting;
      await sleep(20);
    }
  }

  /** `settle` for many assigned versions in one script call. */
  async settleMany(settled: SettledVersion[], published: boolean): Promise<void> {
    if (settled.length === 0) return;
    const keys = settled.flatMap((s) => this.keys(s.id));
    const args = settled.flatMap((s) => [s.digest, s.version, published ? 1 : 0, firstPublication(s)]);
    await SETTLE.run(this.redis, keys, [...args, this.unsentMs]);
  }

  /**
   * After publishing an assigned version. `published` false (the send failed: it may or may not have reached
   * Kafka) makes the next identical request publish the same version again, for `unsentMs`.
   */
  async settle(id: string, digest: string, version: number, published: boolean, type?: string): Promise<void> {
    await this.settleMany([{ id, digest, version, type }], published);
  }

  private get unsentMs() {
    return this.options.unsentMs ?? 86_400_000;
  }

  async latest(id: string): Promise<number> {
    return Number((await this.redis.get(this.keys(id)[0] as string)) ?? 0);
  }
}

const firstPublication = (s: SettledVersion) => (s.type === 'article.published' ? 1 : 0);
