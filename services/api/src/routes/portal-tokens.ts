import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PartnerPortal } from '../console/partner-portal.js';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import { errorAnswer, jsonAnswer, SubscriptionId, Tag, unavailable } from './schemas.js';

const noEndpoint = errorAnswer('not_found: no webhook endpoint of this id');

/** Issuing and revoking the portal token that opens a webhook endpoint's deliveries to its partner (the partner view). */
export function portalTokenRoutes(app: FastifyInstance, deps: ApiDeps, portal: PartnerPortal): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const webhookId = (id: string): string => {
    if (deps.registry.get(id)?.type !== 'webhook') throw new HttpError(404, 'not_found', `no webhook endpoint ${id}`);
    return id;
  };

  const issue = {
    tags: [Tag.webhooks],
    summary: 'A new partner portal link for a webhook endpoint, shown this once',
    description:
      "The link opens the endpoint's recent attempts and dead letters to its partner, who may replay its dead letters. " +
      'A new token replaces the previous one at once: the old link and every session opened with it stop working.',
    params: SubscriptionId,
    response: {
      200: jsonAnswer(
        z.object({
          id: z.string(),
          token: z.string().describe('ptk_…; only its hash is stored'),
          url: z.string().describe('the partner link: /console/partner?token=…'),
        }),
        'the new token and its link',
      ),
      404: noEndpoint,
      503: unavailable,
    },
  };
  routes.post('/v1/subscriptions/:id/portal-token', { schema: issue }, async (request) => {
    const id = webhookId(request.params.id);
    const token = await portal.issue(id);
    return { id, token, url: `${deps.publicBaseUrl()}/console/partner?token=${encodeURIComponent(token)}` };
  });

  const revoke = {
    tags: [Tag.webhooks],
    summary: "Revoke a webhook endpoint's partner portal link",
    description: 'The link and every session opened with it stop working at once.',
    params: SubscriptionId,
    response: {
      200: jsonAnswer(z.object({ id: z.string(), revoked: z.boolean().describe('false: there was no link') }), 'revoked'),
      404: noEndpoint,
      503: unavailable,
    },
  };
  routes.delete('/v1/subscriptions/:id/portal-token', { schema: revoke }, async (request) => {
    const id = webhookId(request.params.id);
    return { id, revoked: await portal.revoke(id) };
  });
}
