import { randomBytes } from 'node:crypto';

/** Helpers for the benchmark scripts: medians, and a markdown table for docs/benchmarks.md. */
export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

export const fixed = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * What the four services need to run as one stack in a name space of their own (`id`), the API on `port`,
 * with loopback webhook endpoints allowed: the benchmarks' receivers run on this machine.
 */
export function stackEnv(id: string, port: number) {
  const apiUrl = `http://127.0.0.1:${port}`;
  const token = randomBytes(24).toString('base64url');
  return {
    apiUrl,
    token,
    env: {
      TOPIC_PREFIX: `${id}.`,
      REDIS_KEY_PREFIX: `${id}:`,
      PORT: String(port),
      PUBLIC_BASE_URL: apiUrl,
      SYNDICATE_ADMIN_TOKEN: token,
      SYNDICATE_SECRET_KEY: `k1:${randomBytes(32).toString('base64')}`,
      SYNDICATE_WEBHOOK_ALLOWLIST: '127.0.0.0/8',
      ENRICHER_GROUP_ID: `enricher-${id}`,
      FANOUT_GROUP_ID: `fanout-${id}`,
    },
  };
}
