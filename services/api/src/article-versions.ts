import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';

/**
 * Assigns the next version of an article, or accepts the caller's if it is newer than any seen, unless the
 * content is the latest version's. KEYS: the version counter, the digest of the latest version's content (set
 * once its event is on Kafka), and "digest version" of a publish in flight (expires with its lease).
 * ARGV: wanted version (0 = next), content digest, lease in ms.
 * Returns [version, previous, state]: state 0 = assigned (publish it, then settle), 1 = unchanged (published as
 * `version` already), 2 = the same content is being published as `version` right now, 3 = its publish as `version`
 * failed: publish it as `version` again (then settle; previous is 0 if that was the article's first publication);
 * version -1 = stale.
 *
 * Why 3 rather than a new version: a publish that failed may still reach Kafka (a send given up on at its deadline
 * can land later). Sending the same version again makes the retry harmless either way: a second copy of one
 * version is dropped downstream (the fanout's version check; the same webhook-id and partner key), where a new
 * version would reach every subscriber as an update of identical content, and an article's first publication
 * would arrive as an update of something never published.
 */
const ASSIGN_VERSION = `
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local wanted = tonumber(ARGV[1])
if last > 0 and (wanted == 0 or wanted == last) then
  if redis.call('GET', KEYS[2]) == ARGV[2] then return {last, last, 1} end
  local flight = redis.call('GET', KEYS[3])
  if flight == ARGV[2] .. ' ' .. last then return {last, last, 2} end
  local unsent = ARGV[2] .. ' ' .. last .. ' unsent '
  if flight and string.sub(flight, 1, #unsent) == unsent then
    redis.call('SET', KEYS[3], ARGV[2] .. ' ' .. last, 'PX', ARGV[3])
    return {last, string.sub(flight, #unsent + 1) == '1' and 0 or last, 3}
  end
end
if wanted == 0 then wanted = last + 1 elseif wanted <= last then return {-1, last, 0} end
redis.call('SET', KEYS[1], wanted)
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[3], ARGV[2] .. ' ' .. wanted, 'PX', ARGV[3])
return {wanted, last, 0}
`;

/**
 * Ends a publish in flight (same KEYS; ARGV: digest, version, 1 if its event is on Kafka, 1 if it was the article's
 * first publication, how long a failed one is remembered in ms). A published version that is still the latest
 * becomes the one identical content is compared with; a failed one is marked unsent, so that identical content
 * publishes it again (state 3 above).
 */
const SETTLE_VERSION = `
local flight = ARGV[1] .. ' ' .. ARGV[2]
if ARGV[3] == '1' then
  if redis.call('GET', KEYS[1]) == ARGV[2] then redis.call('SET', KEYS[2], ARGV[1]) end
  if redis.call('GET', KEYS[3]) == flight then redis.call('DEL', KEYS[3]) end
elseif redis.call('GET', KEYS[3]) == flight then
  redis.call('SET', KEYS[3], flight .. ' unsent ' .. ARGV[4], 'PX', ARGV[5])
end
return 0
`;

/**
 * ASSIGN_VERSION for many articles in one call: KEYS three per article (as above), ARGV three per article (wanted
 * version, digest, lease in ms). Returns the triples in order. Articles are handled one after the other, so an id
 * that appears twice gets its versions in that order.
 */
const ASSIGN_VERSIONS = `
local out = {}
for i = 0, #KEYS / 3 - 1 do
  local kv, kd, kf = KEYS[i * 3 + 1], KEYS[i * 3 + 2], KEYS[i * 3 + 3]
  local wanted, digest, lease = tonumber(ARGV[i * 3 + 1]), ARGV[i * 3 + 2], ARGV[i * 3 + 3]
  local last = tonumber(redis.call('GET', kv) or '0')
  local done = false
  if last > 0 and (wanted == 0 or wanted == last) then
    local flight = redis.call('GET', kf)
    local unsent = digest .. ' ' .. last .. ' unsent '
    if redis.call('GET', kd) == digest then table.insert(out, {last, last, 1}); done = true
    elseif flight == digest .. ' ' .. last then table.insert(out, {last, last, 2}); done = true
    elseif flight and string.sub(flight, 1, #unsent) == unsent then
      redis.call('SET', kf, digest .. ' ' .. last, 'PX', lease)
      table.insert(out, {last, string.sub(flight, #unsent + 1) == '1' and 0 or last, 3}); done = true
    end
  end
  if not done then
    if wanted == 0 then wanted = last + 1 end
    if wanted <= last then
      table.insert(out, {-1, last, 0})
    else
      redis.call('SET', kv, wanted)
      redis.call('DEL', kd)
      redis.call('SET', kf, digest .. ' ' .. wanted, 'PX', lease)
      table.insert(out, {wanted, last, 0})
    end
  end
end
return out
`;

/**
 * SETTLE_VERSION for many articles in one call: KEYS three per article, ARGV four per article (digest, version,
 * published, first publication) and last how long a failed one is remembered in ms.
 */
const SETTLE_VERSIONS = `
local remember = ARGV[#ARGV]
for i = 0, #KEYS / 3 - 1 do
  local kv, kd, kf = KEYS[i * 3 + 1], KEYS[i * 3 + 2], KEYS[i * 3 + 3]
  local digest, version, published, first = ARGV[i * 4 + 1], ARGV[i * 4 + 2], ARGV[i * 4 + 3], ARGV[i * 4 + 4]
  local flight = digest .. ' ' .. version
  if published == '1' then
    if redis.call('GET', kv) == version then redis.call('SET', kd, digest) end
    if redis.call('GET', kf) == flight then redis.call('DEL', kf) end
  elseif redis.call('GET', kf) == flight then
    redis.call('SET', kf, flight .. ' unsent ' .. first, 'PX', remember)
  end
end
return 0
`;

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

  private keys = (id: string) => [
    `${this.keyPrefix}articles:version:${id}`,
    `${this.keyPrefix}articles:digest:${id}`,
    `${this.keyPrefix}articles:in-flight:${id}`,
  ];

  /**
   * The version for content with this digest: `requested`, or the next one if undefined, or the latest if that
   * has the same content (already published: `unchanged`; its publish failed: to be published again). Unless
   * `unchanged`, call `settle` once the event is published (or failed to be).
   */
  async assign(id: string, digest: string, requested?: number): Promise<VersionAssignment> {
    const deadline = Date.now() + (this.options.waitMs ?? 5_000);
    for (;;) {
      const [version, previous, state] = (await this.redis.eval(
        ASSIGN_VERSION,
        3,
        ...this.keys(id),
        requested ?? 0,
        digest,
        this.options.leaseMs ?? 30_000,
      )) as [number, number, number];
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
      const triples = (await this.redis.eval(ASSIGN_VERSIONS, keys.length, ...keys, ...args)) as Array<[number, number, number]>;
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
    await this.redis.eval(SETTLE_VERSIONS, keys.length, ...keys, ...args, this.unsentMs);
  }

  /**
   * After publishing an assigned version. `published` false (the send failed: it may or may not have reached
   * Kafka) makes the next identical request publish the same version again, for `unsentMs`.
   */
  async settle(id: string, digest: string, version: number, published: boolean, type?: string): Promise<void> {
    const first = firstPublication({ id, digest, version, type });
    await this.redis.eval(SETTLE_VERSION, 3, ...this.keys(id), digest, version, published ? 1 : 0, first, this.unsentMs);
  }

  private get unsentMs() {
    return this.options.unsentMs ?? 86_400_000;
  }

  async latest(id: string): Promise<number> {
    return Number((await this.redis.get(this.keys(id)[0] as string)) ?? 0);
  }
}

const firstPublication = (s: SettledVersion) => (s.type === 'article.published' ? 1 : 0);
