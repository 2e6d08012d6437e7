// A container health check without curl in the image: `node healthcheck.mjs URL` exits 0 when URL answers 2xx.
const url = process.argv[2] ?? 'http://127.0.0.1:8080/readyz';
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
