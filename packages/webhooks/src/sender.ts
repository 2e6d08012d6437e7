import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import { refusedAddressReason, type UrlPolicy } from './url-policy.js';

export interface DeliveryOutcome {
  ok: boolean;
  status: number;
  latencyMs: number;
  /** The first bytes of the response, for the attempt log. */
  responseSnippet: string;
  retryAfterMs?: number;
}

export class AddressRefusedError extends Error {}

/**
 * A DNS lookup that refuses forbidden addresses. Because undici connects to exactly the address this returns,
 * the address checked is the address used: a host name cannot resolve to a public address for the check and
 * to a private one for the connection (DNS rebinding).
 */
export function guardedLookup(policy: UrlPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as LookupAddress[];
      const allowed = list.filter((a) => refusedAddressReason(a.address, policy.allowlist) === null);
      const first = allowed[0];
      if (!first) {
        return callback(
          new AddressRefusedError(`${hostname} resolves only to refused addresses (${list.map((a) => a.address).join(', ')})`),
          '',
          0,
        );
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      callback(null, first.address, first.family);
    });
  };
}

const SNIPPET_BYTES = 2_048;

/**
 * HTTP to addresses outside our control: one attempt each, redirects not followed (a 3xx is a failure), the
 * response read only up to a bound, and only to addresses the URL policy allows.
 */
export class WebhookSender {
  private readonly agent: Agent;
  /** Why a URL's literal address is refused (null: allowed, or a host name that the lookup checks), per URL. */
  private readonly literalVerdicts = new Map<string, string | null>();

  constructor(
    private readonly policy: UrlPolicy,
    private readonly timeoutMs: number,
  ) {
    this.agent = new Agent({ connect: { lookup: guardedLookup(policy), timeout: timeoutMs } });
  }

  /** POSTs a body (JSON unless the headers say otherwise). */
  send(url: string, body: string | Buffer, headers: Record<string, string>): Promise<DeliveryOutcome> {
    return this.exchange('POST', url, body, { 'content-type': 'application/json', ...headers });
  }

  /**
   * The longest a request can take: connecting, waiting for the answer's headers and reading its first
   * bytes are each given up on after the timeout. (One AbortSignal.timeout per request, a total deadline,
   * cost 5 % of a delivery's CPU time; a deadline shared by a batch's requests, 3 %.)
   */
  get longestRequestMs(): number {
    return 3 * this.timeoutMs;
  }

  /** GETs a URL (WebSub intent verification); the response snippet carries the challenge back. */
  get(url: string): Promise<DeliveryOutcome> {
    return this.exchange('GET', url, undefined, {});
  }

  private async exchange(
    method: 'GET' | 'POST',
    url: string,
    body: string | Buffer | undefined,
    headers: Record<string, string>,
  ): Promise<DeliveryOutcome> {
    // A literal address is connected to without a lookup, so it is checked here: a URL stored before the
    // allowlist changed (or written to the topic by something other than our API) gets no exemption.
    const refused = this.literalRefusal(url);
    if (refused) throw new AddressRefusedError(refused);
    const started = performance.now();
    const response = await request(url, {
      method,
      body,
      headers: { 'user-agent': 'Syndicate-Webhooks/1', ...headers },
      dispatcher: this.agent,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    // Most endpoints answer with an empty body: read nothing then (an async iterator per attempt costs).
    const empty = response.statusCode === 204 || response.headers['content-length'] === '0';
    const snippet = empty
      ? await response.body.dump().then(() => '')
      : await readSnippet(response.body, performance.now() + this.timeoutMs);
    const retryAfter = response.headers['retry-after'];
    return {
      ok: response.statusCode >= 200 && response.statusCode < 300,
      status: response.statusCode,
      latencyMs: Math.round(performance.now() - started),
      responseSnippet: snippet,
      retryAfterMs: typeof retryAfter === 'string' ? parseRetryAfter(retryAfter) : undefined,
    };
  }

  private literalRefusal(url: string): string | null {
    let verdict = this.literalVerdicts.get(url);
    if (verdict === undefined) {
      const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
      verdict = isIP(host) ? refusedAddressReason(host, this.policy.allowlist) : null;
      if (this.literalVerdicts.size >= 10_000) this.literalVerdicts.clear();
      this.literalVerdicts.set(url, verdict);
    }
    return verdict;
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** The first bytes of a response; one that trickles in is given up on (with what came) at the deadline. */
async function readSnippet(body: AsyncIterable<Buffer> & { destroy(): void }, deadline: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= SNIPPET_BYTES || performance.now() > deadline) break; // a huge response is not read to its end
  }
  body.destroy();
  return Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8');
}

/** `Retry-After` as delay-seconds or an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string, now = Date.now()): number | undefined {
  if (/^\d+$/.test(value.trim())) return Number(value) * 1_000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
