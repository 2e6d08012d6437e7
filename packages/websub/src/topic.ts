import { type FeedFormat, isFeedFormat } from '@syndicate/feeds';

export interface FeedTopic {
  slug: string;
  format: FeedFormat;
  /** For partner-only feeds: the token the subscriber put in the topic URL. */
  token?: string;
}

/** A WebSub topic is one of our feed URLs; anything else is not ours to distribute. */
export function parseTopic(topicUrl: string, baseUrl: string): FeedTopic | null {
  let url: URL;
  try {
    url = new URL(topicUrl);
  } catch {
    return null;
  }
  const base = new URL(baseUrl);
  if (url.origin !== base.origin) return null;
  const match = url.pathname.match(/^\/feeds\/([a-z0-9][a-z0-9-]{0,63})\.([a-z]+)$/);
  if (!match?.[1] || !match[2] || !isFeedFormat(match[2]) || url.searchParams.has('before')) return null;
  const token = url.searchParams.get('token') ?? undefined;
  return { slug: match[1], format: match[2], ...(token ? { token } : {}) };
}
