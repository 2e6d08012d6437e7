/**
 * Moves the keys of a Redis written before the stores' hash tags to where the services now read them:
 *
 *     REDIS_URL=redis://… REDIS_KEY_PREFIX=syndicate: node --import tsx scripts/migrate-redis-keys.ts [--dry-run]
 *
 * Run it once, with the services stopped, before the upgraded ones start: the article version counters are among
 * the keys, and an API that started without them would number articles from 1 again (the fanout would then drop
 * every update as older than what the feed store holds). A key whose new name is taken already is left where it
 * is and reported. BullMQ's queues and every other key keep their names.
 */
import { pathToFileURL } from 'node:url';
import { connectRedis, type Redis, scanKeys } from '@syndicate/redis-runtime';

/** Old name (after the prefix) → new name: each store's keys under its hash tag. */
export const KEY_MOVES: ReadonlyArray<readonly [from: string, to: string]> = [
  ['feeds:', '{feeds}:'], // the feed store: item:, in:, feed:, tomb:
  ['websub:subs:', '{websub}:subs:'],
  ['websub:live:', '{websub}:live:'],
  ['websub:live-host:', '{websub}:live-host:'],
  ['websub:live-all', '{websub}:live-all'],
  ['articles:', '{articles}:'], // the API's version counters, digests and publishes in flight
  ['webhooks:attempts:', '{webhooks}:attempts:'],
];

export interface MigrationReport {
  moved: number;
  /** Old keys left in place because their new name was taken. */
  conflicts: string[];
}

export async function migrateRedisKeys(redis: Redis, keyPrefix: string, { dryRun = false } = {}): Promise<MigrationReport> {
  const report: MigrationReport = { moved: 0, conflicts: [] };
  for (const [from, to] of KEY_MOVES) {
    const old = `${keyPrefix}${from}`;
    // A name ending in ':' is a family of keys; any other is one key.
    for await (const keys of scanKeys(redis, old, { family: from.endsWith(':'), count: 1_000 })) {
      for (const key of keys) {
        const target = `${keyPrefix}${to}${key.slice(old.length)}`;
        if (dryRun) {
          if (await redis.exists(target)) report.conflicts.push(key);
          else report.moved++;
        } else if ((await redis.renamenx(key, target)) === 1) report.moved++;
        else report.conflicts.push(key);
      }
    }
  }
  return report;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const redis = connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const keyPrefix = process.env.REDIS_KEY_PREFIX ?? 'syndicate:';
  const dryRun = process.argv.includes('--dry-run');
  try {
    const { moved, conflicts } = await migrateRedisKeys(redis, keyPrefix, { dryRun });
    process.stderr.write(`${dryRun ? 'would move' : 'moved'} ${moved} keys under ${keyPrefix}\n`);
    for (const key of conflicts) process.stderr.write(`left in place (its new name is taken): ${key}\n`);
    process.exitCode = conflicts.length > 0 ? 1 : 0;
  } finally {
    redis.disconnect();
  }
}
