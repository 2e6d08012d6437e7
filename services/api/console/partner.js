// The partner view: one webhook endpoint's recent attempts and dead letters, and replay of a dead letter.
(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const main = document.getElementById('partner');
  const base = `/console/partner/api/endpoints/${encodeURIComponent(main.dataset.endpoint)}`;

  const { el, table } = window.SyndicateDom;
  const status = el('p', { class: 'status', role: 'status', id: 'status' });
  const content = el('div', { id: 'deliveries' });
  main.append(status, content);
  const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');

  const replay = async (messageId) => {
    const response = await fetch(`${base}/replay`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ messageId }),
    });
    const json = await response.json().catch(() => null);
    status.textContent = response.ok ? `${messageId}: replayed ${json.replayed}` : `${messageId}: ${json?.message ?? response.status}`;
    await load();
  };

  const load = async () => {
    const response = await fetch(base, { credentials: 'same-origin' });
    if (!response.ok) {
      status.textContent = 'This session has ended: open your partner link again.';
      content.replaceChildren();
      return;
    }
    const view = await response.json();
    content.replaceChildren(
      el('p', {}, `Endpoint ${view.id}: ${view.url ?? ''}`),
      el('p', {}, view.successRate === null ? 'No attempts yet.' : `${Math.round(view.successRate * 100)} % of recent attempts succeeded.`),
      table(
        'Dead letters (deliveries that failed for good)',
        ['message', 'reason', 'attempts', 'failed at', 'action'],
        view.deadLetters.map((d) => [
          d.messageId,
          d.reason ?? '',
          d.attempts,
          when(d.failedAt),
          el('button', { type: 'button', 'aria-label': `Replay ${d.messageId}`, onclick: () => replay(d.messageId) }, 'Replay'),
        ]),
        'dead-letters',
      ),
      table(
        'Recent attempts, newest first',
        ['time', 'message', 'attempt', 'status', 'latency', 'error'],
        view.attempts.map((a) => [
          when(a.at),
          a.messageId,
          a.attempt,
          a.status ?? 'no answer',
          `${Math.round(a.latencyMs)} ms`,
          a.error ?? '',
        ]),
        'attempts',
      ),
    );
  };
  load();
})();
