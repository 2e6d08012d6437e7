import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';

export const OPS_BOARD_PATH = '/ops/queues';

/**
 * bull-board over every queue we run: the webhook batches, one per webhook endpoint (added as endpoints appear), the WebSub
 * hub's two (verifications and distributions; pushes) and the backfills'. No job data holds a secret: WebSub jobs carry
 * hub.secret and partner topic URLs sealed. Mounted inside the admin context, so the admin token guards it.
 */
export function mountOpsBoard(admin: FastifyInstance, deps: ApiDeps): void {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(OPS_BOARD_PATH);
  const board = createBullBoard({
    queues: [
      new BullMQAdapter(deps.webhookBatchQueue),
      new BullMQAdapter(deps.websubQueue),
      new BullMQAdapter(deps.websubPushQueue),
      new BullMQAdapter(deps.backfillQueue),
    ],
    serverAdapter,
  });
  const shown = new Set<string>();
  const showEndpoints = () => {
    for (const endpoint of deps.registry.ofType('webhook')) {
      if (shown.has(endpoint.id)) continue;
      shown.add(endpoint.id);
      board.addQueue(new BullMQAdapter(deps.webhookQueue(endpoint.id)));
    }
  };
  showEndpoints();
  deps.registry.on('change', showEndpoints);
  // Its pages can empty or obliterate queues at a click: never framed by another page (a same-site one could
  // otherwise trick those clicks), never kept by a cache.
  admin.addHook('onSend', async (request, reply) => {
    if (!request.url.startsWith(OPS_BOARD_PATH)) return;
    reply.header('x-frame-options', 'DENY');
    reply.header('content-security-policy', "frame-ancestors 'none'");
    reply.header('cache-control', 'no-store');
  });
  admin.register(serverAdapter.registerPlugin(), { prefix: OPS_BOARD_PATH });
}
