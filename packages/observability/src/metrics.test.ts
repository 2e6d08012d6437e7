import { describe, expect, it } from 'vitest';
import { Counter, createMetricsRegistry, serveMetrics } from './index.js';

describe('serveMetrics', () => {
  it('serves the registry in Prometheus text format on /metrics, and 404 elsewhere', async () => {
    const registry = createMetricsRegistry('test');
    new Counter({ name: 'syndicate_test_total', help: 'a test counter', registers: [registry] }).inc(3);
    const server = await serveMetrics(registry, 0);
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      expect(text).toContain('syndicate_test_total{service="test"} 3');
      expect(text).toContain('process_cpu_user_seconds_total');
      expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe('serveMetrics with readiness', () => {
  it('answers /healthz, and /readyz with 200 or 503 and which dependency is down', async () => {
    let result = { ready: true, checks: { kafka: 'ok' as const, redis: 'ok' as 'ok' | 'down' } };
    const server = await serveMetrics(createMetricsRegistry('test'), 0, { readiness: async () => result });
    try {
      const url = `http://127.0.0.1:${server.port}`;
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { kafka: 'ok', redis: 'ok' } });
      result = { ready: false, checks: { kafka: 'ok', redis: 'down' } };
      const notReady = await fetch(`${url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ status: 'not ready', checks: { kafka: 'ok', redis: 'down' } });
    } finally {
      await server.close();
    }
  });
});
