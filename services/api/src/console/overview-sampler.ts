import { EventEmitter } from 'node:events';
import type { PartitionLag } from '@syndicate/kafka-runtime';
import type { Logger } from '@syndicate/observability';
import type { ApiDeps } from '../deps.js';

/** One overview sample: rates per minute over the interval since the sample before, and the state now. */
export interface OverviewSample {
  at: string;
  /** Article events written to article-events, per minute. */
  articlesInPerMinute: number;
  /** Enriched articles written to article-enriched (what fanout sends out), per minute. */
  articlesOutPerMinute: number;
  /** Webhook attempts that succeeded / failed, per minute (from the attempt logs; see countAttempts). */
  deliveredPerMinute: number;
  failedPerMinute: number;
  /** Dead letters: Kafka dead-letter topics, and each webhook endpoint's failed set. */
  deadLetters: Record<string, number>;
  lag: PartitionLag[];
  /**
   * Each stage's latency (ms) over the webhook deliveries that succeeded in the interval, from the stage times
   * their attempts carry: publish → enriched, enriched → fanned out, fanned out → delivered, and end to end.
   * Null: no such delivery in the interval (or none with that stage's times).
   */
  stages: Record<Stage, Percentiles | null>;
  /** The topics' end offsets summed over partitions (as the groups' lag read them): the next sample's rates start here. */
  totals: { events: number; enriched: number };
}

export const STAGES = ['enriched', 'fannedOut', 'delivered', 'total'] as const;
export type Stage = (typeof STAGES)[number];
export interface Percentiles {
  p50: number;
  p99: number;
  count: number;
}

/** The ops view's parts the sample reads (GET /ops, asked in-process). */
interface OpsView {
  webhookEndpoints: Array<{ id: string; queue: Record<string, number> }>;
  deadLetters: Record<string, number>;
}

const HOUR_MS = 3_600_000;

/**
 * The console's own small time series: every `intervalMs` one API process (whichever takes the slot's key first)
 * writes a sample to a Redis list bounded to an hour of them; every process then announces the newest to its
 * console pages ('sample'). Rates come from the difference with the sample before, so they hold across processes.
 */
export class OverviewSampler extends EventEmitter<{ sample: [OverviewSample] }> {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  readonly maxSamples: number;

  constructor(
    private readonly deps: ApiDeps,
    private readonly readOps: () => Promise<OpsView>,
    private readonly logger: Logger,
    readonly intervalMs = deps.config.CONSOLE_SAMPLE_INTERVAL_MS,
  ) {
    super();
    this.maxSamples = Math.max(1, Math.ceil(HOUR_MS / intervalMs));
  }

  private key = (name: string) => `${this.deps.config.REDIS_KEY_PREFIX}console:${name}`;

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.running ??= this.tick()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'console overview sample failed'))
        .finally(() => {
          this.running = undefined;
        });
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** The samples of the last hour, oldest first. */
  async samples(): Promise<OverviewSample[]> {
    const rows = await this.deps.redis.lrange(this.key('samples'), 0, this.maxSamples - 1);
    return rows.map((r) => JSON.parse(r) as OverviewSample).reverse();
  }

  /** Takes this interval's sample if no other process did, then announces the newest one. */
  async tick(now = Date.now()): Promise<void> {
    const slot = Math.floor(now / this.intervalMs);
    const won = await this.deps.redis.set(this.key(`slot:${slot}`), '1', 'PX', this.intervalMs * 2, 'NX');
    if (won === 'OK') {
      const previousJson = await this.deps.redis.lindex(this.key('samples'), 0);
      const sample = await this.take(now, previousJson ? (JSON.parse(previousJson) as OverviewSample) : null);
      await this.deps.redis
        .multi()
        .lpush(this.key('samples'), JSON.stringify(sample))
        .ltrim(this.key('samples'), 0, this.maxSamples - 1)
        .exec();
    }
    const newest = await this.deps.redis.lindex(this.key('samples'), 0);
    if (newest) this.emit('sample', JSON.parse(newest) as OverviewSample);
  }

  private async take(now: number, previous: OverviewSample | null): Promise<OverviewSample> {
    const [ops, lag] = await Promise.all([this.readOps(), this.deps.consumerLag()]);
    const since = previous ? Date.parse(previous.at) : now - this.intervalMs;
    const minutes = Math.max(now - since, 1) / 60_000;
    const { delivered, failed, stages } = await this.countAttempts(
      ops.webhookEndpoints.map((e) => e.id),
      since,
    );
    const perMinute = (n: number) => Math.round((Math.max(n, 0) / minutes) * 10) / 10;
    const deadLetters: Record<string, number> = { ...ops.deadLetters };
    for (const endpoint of ops.webhookEndpoints) deadLetters[`webhook ${endpoint.id}`] = endpoint.queue.failed ?? 0;
    const totals = { events: endOffsets(lag, this.deps.topics.articleEvents), enriched: endOffsets(lag, this.deps.topics.articleEnriched) };
    return {
      at: new Date(now).toISOString(),
      articlesInPerMinute: previous ? perMinute(totals.events - previous.totals.events) : 0,
      articlesOutPerMinute: previous ? perMinute(totals.enriched - previous.totals.enriched) : 0,
      deliveredPerMinute: perMinute(delivered),
      failedPerMinute: perMinute(failed),
      stages,
      deadLetters,
      lag,
      totals,
    };
  }

  /**
   * Attempts recorded since `since`, from each endpoint's attempt log: the log keeps an endpoint's last 100, so
   * beyond 100 attempts per endpoint per interval the rate shown is a floor.
   */
  private async countAttempts(
    endpointIds: string[],
    since: number,
  ): Promise<{ delivered: number; failed: number; stages: OverviewSample['stages'] }> {
    let delivered = 0;
    let failed = 0;
    const durations: Record<Stage, number[]> = { enriched: [], fannedOut: [], delivered: [], total: [] };
    const add = (stage: Stage, from: string | undefined, to: string | undefined) => {
      const ms = Date.parse(to ?? '') - Date.parse(from ?? '');
      if (Number.isFinite(ms)) durations[stage].push(Math.max(ms, 0)); // clocks of different hosts may disagree a little
    };
    for (const id of endpointIds) {
      for (const attempt of await this.deps.attempts.list(id, 100)) {
        if (Date.parse(attempt.at) <= since) break; // newest first
        if (attempt.ok) delivered++;
        else failed++;
        const times = attempt.times;
        if (!attempt.ok || !times) continue;
        add('enriched', times.publishedAt, times.enrichedAt);
        add('fannedOut', times.enrichedAt, times.fannedOutAt);
        add('delivered', times.fannedOutAt, attempt.at); // `at` is taken when the endpoint's answer came
        add('total', times.publishedAt, attempt.at);
      }
    }
    const stages = Object.fromEntries(STAGES.map((stage) => [stage, percentiles(durations[stage])])) as OverviewSample['stages'];
    return { delivered, failed, stages };
  }
}

/**
 * A topic's messages so far: its partitions' end offsets, read with the consumer groups' lag (so a topic no
 * configured group reads counts 0). The end offset only grows, compaction or not.
 */
function endOffsets(lag: PartitionLag[], topic: string): number {
  const ends = new Map<number, number>();
  for (const l of lag) if (l.topic === topic) ends.set(l.partition, l.end);
  return [...ends.values()].reduce((sum, end) => sum + end, 0);
}

/** Nearest-rank p50 and p99 of some durations, or null for none. */
export function percentiles(values: number[]): Percentiles | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  return { p50: rank(0.5), p99: rank(0.99), count: sorted.length };
}
