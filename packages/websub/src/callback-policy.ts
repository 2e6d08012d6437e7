import { checkWebhookUrl, parseAllowlist, type UrlPolicy } from '@syndicate/webhooks';

/**
 * The hub's own URL policy: callbacks may reach private addresses only within SYNDICATE_WEBSUB_ALLOWLIST,
 * never by way of the webhooks' allowlist (anyone may subscribe to the hub; only operators add webhooks).
 */
export function websubUrlPolicy(allowlist: string, requireHttps = false): UrlPolicy {
  try {
    return { allowlist: parseAllowlist(allowlist), requireHttps };
  } catch (error) {
    throw new Error((error as Error).message.replace('SYNDICATE_WEBHOOK_ALLOWLIST', 'SYNDICATE_WEBSUB_ALLOWLIST'));
  }
}

/** Checks a callback as a webhook URL is checked (scheme, credentials, literal addresses); throws WebhookUrlError. */
export const checkCallback = (callback: string, policy: UrlPolicy): URL => checkWebhookUrl(callback, policy);

/** Callbacks count against WEBSUB_MAX_PER_CALLBACK_HOST by host name, whatever their port. */
export const callbackHost = (callback: string): string => new URL(callback).hostname.toLowerCase();
