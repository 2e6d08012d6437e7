// The operators' console pages: plain DOM, uPlot for the charts, server-sent events for live updates.
(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const app = document.getElementById('app');

  const { el, table } = window.SyndicateDom;
  /** Calls the console's JSON routes; state changes carry the session's CSRF token. */
  const call = async (method, url, body) => {
    const response = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: { 'x-csrf-token': csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) location.assign('/console/sign-in');
    return { status: response.status, json: await response.json().catch(() => null) };
  };
  const status = el('p', { class: 'status', role: 'status', id: 'status' });
  const say = (text) => {
    status.textContent = text;
  };
  const when = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '');

  const PALETTE = ['#0b4f8a', '#b35900', '#1d6b2f', '#a11d1d', '#5a2d82', '#006d6d', '#8a6d00', '#6b3d1d'];
  /**
   * Lines of a chart whose series are named by the samples themselves (entries of [name, value]): one per name met
   * in the hour shown; past eight, the seven largest, the rest are added up as one line, so hundreds of endpoints
   * or partitions still make a readable chart (the tables below list every one).
   */
  const keyedLines = (entriesOf) => (samples) => {
    const totals = new Map();
    for (const s of samples) for (const [name, value] of entriesOf(s)) totals.set(name, (totals.get(name) ?? 0) + value);
    const ranked = [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([name]) => name);
    // Shown in name order, so the chart is made again only when the set of names changes.
    const shown = (ranked.length > 8 ? ranked.slice(0, 7) : ranked).sort();
    const rest = new Set(ranked.slice(shown.length));
    const valueNamed = (s, name) => entriesOf(s).find(([other]) => other === name)?.[1] ?? null;
    const lines = shown.map((name, n) => [name, (s) => valueNamed(s, name), PALETTE[n % PALETTE.length]]);
    if (rest.size > 0) {
      const sumOfRest = (s) => entriesOf(s).reduce((sum, [name, value]) => (rest.has(name) ? sum + value : sum), 0);
      lines.push([`${rest.size} others`, sumOfRest, '#777777']);
    }
    return lines;
  };

  // ---- Overview: charts over the last hour, the newest sample's lag and dead letters.
  async function overview() {
    const { json } = await call('GET', '/console/api/overview');
    const samples = json.samples;
    const charts = el('div', { class: 'charts' });
    const tables = el('div', { id: 'overview-tables' });
    app.append(status, charts, tables);
    const series = [
      {
        title: 'Articles per minute',
        lines: [
          ['in (article-events)', (s) => s.articlesInPerMinute, '#0b4f8a'],
          ['out (enriched, to fanout)', (s) => s.articlesOutPerMinute, '#b35900'],
        ],
      },
      {
        title: 'Webhook deliveries per minute',
        lines: [
          ['delivered', (s) => s.deliveredPerMinute, '#1d6b2f'],
          ['failed', (s) => s.failedPerMinute, '#a11d1d'],
        ],
      },
      {
        title: 'Stage latency p99 (ms)',
        lines: [
          ['publish → enriched', (s) => s.stages?.enriched?.p99 ?? null, '#0b4f8a'],
          ['enriched → fanned out', (s) => s.stages?.fannedOut?.p99 ?? null, '#b35900'],
          ['fanned out → delivered', (s) => s.stages?.delivered?.p99 ?? null, '#1d6b2f'],
        ],
      },
      // A line per dead-letter place and per group, topic and partition: which one grows is the question.
      { title: 'Dead letters', lines: keyedLines((s) => Object.entries(s.deadLetters)) },
      {
        title: 'Consumer lag (messages)',
        lines: keyedLines((s) => s.lag.map((l) => [`${l.groupId} ${l.topic}[${l.partition}]`, l.lag])),
      },
    ];
    const plots = series.map(({ title, lines }) => {
      const holder = el('div', { role: 'img', 'aria-label': `${title}, last hour` });
      charts.append(el('figure', {}, el('figcaption', {}, title), holder));
      return { holder, lines, plot: null, labels: null }; // null: no chart made yet (a chart of no lines has labels '')
    });
    const draw = () => {
      for (const chart of plots) {
        const lines = typeof chart.lines === 'function' ? chart.lines(samples) : chart.lines;
        const labels = lines.map(([label]) => label).join('\n');
        // A new partition or dead-letter place is a new series: the chart is made again (rare).
        if (labels !== chart.labels) {
          chart.plot?.destroy();
          chart.plot = new uPlot(
            {
              width: 540,
              height: 200,
              series: [{}, ...lines.map(([label, , stroke]) => ({ label, stroke, width: 2 }))],
              axes: [{}, { size: 50 }],
            },
            [[]].concat(lines.map(() => [])),
            chart.holder,
          );
          chart.labels = labels;
        }
        chart.plot.setData([samples.map((s) => Date.parse(s.at) / 1000), ...lines.map(([, pick]) => samples.map(pick))]);
      }
      const last = samples[samples.length - 1];
      // The newest sample in which deliveries succeeded: an idle minute does not blank the stage latencies.
      const timed = samples.findLast((s) => s.stages?.total);
      tables.replaceChildren(
        el(
          'p',
          { class: 'muted' },
          last ? `Last sample ${when(last.at)} · one every ${json.intervalMs / 1000} s, an hour kept` : 'No sample yet.',
        ),
        table(
          timed ? `Stage latency, deliveries that succeeded in the sample of ${when(timed.at)}` : 'Stage latency (no delivery yet)',
          ['stage', 'p50', 'p99', 'deliveries'],
          [
            ['publish → enriched', 'enriched'],
            ['enriched → fanned out', 'fannedOut'],
            ['fanned out → delivered', 'delivered'],
            ['publish → delivered', 'total'],
          ].map(([label, key]) => {
            const p = timed?.stages[key];
            return [label, p ? `${p.p50} ms` : '—', p ? `${p.p99} ms` : '—', p ? p.count : 0];
          }),
          'stages',
        ),
        table(
          'Kafka consumer lag',
          ['group', 'topic', 'partition', 'committed', 'end', 'lag'],
          (last?.lag ?? []).map((l) => [l.groupId, l.topic, l.partition, l.committed, l.end, l.lag]),
          'lag',
        ),
        table(
          'Dead letters',
          ['where', 'count'],
          Object.entries(last?.deadLetters ?? {}).map(([k, v]) => [k, v]),
          'dead-letters',
        ),
      );
    };
    draw();
    const events = new EventSource('/console/events');
    events.addEventListener('sample', (event) => {
      const sample = JSON.parse(event.data);
      if (samples.length && samples[samples.length - 1].at === sample.at) return;
      samples.push(sample);
      if (samples.length > 360) samples.shift();
      draw();
    });
  }

  // ---- A story's journey: search, then live while the page is open.
  async function journey() {
    const input = el('input', { id: 'journey-q', name: 'q', type: 'search', required: true, size: 50 });
    const result = el('div', { id: 'journey' });
    let events;
    const render = (j) => {
      const s = j.stored;
      result.replaceChildren(
        el('h2', {}, s?.headline ?? j.id),
        el('p', {}, `id ${j.id} · versions numbered: ${j.latestVersion} · stored version: ${s ? s.version : 'none yet'}`),
        el(
          'p',
          { id: 'journey-state' },
          s?.withdrawn
            ? el('strong', { class: 'bad' }, 'Withdrawn')
            : s
              ? el('strong', { class: 'ok' }, 'Live')
              : 'Not yet through the pipeline',
          s?.embargoUntil ? ` · embargo until ${s.embargoUntil}${s.underEmbargo ? ' (held)' : ' (released)'}` : '',
        ),
        table(
          'Versions (what the fanout did with each event)',
          ['version', 'event', 'outcome', 'when', 'headline', 'embargo until', 'entities', 'topics'],
          j.versions.map((v) => [
            v.version,
            v.type,
            v.reason ? `${v.outcome}: ${v.reason}` : v.outcome,
            when(v.at),
            v.headline ?? (v.withdrawalReason ? `withdrawn: ${v.withdrawalReason}` : ''),
            v.embargoUntil ?? '',
            (v.entities ?? []).map((e) => `${e.name} (${e.type})`).join(', '),
            (v.topics ?? []).map((t) => t.label).join(', '),
          ]),
          'journey-versions',
        ),
        el('h2', {}, 'Enrichment (stored version)'),
        el(
          'p',
          { class: 'tags', id: 'journey-entities' },
          'Entities: ',
          (s?.entities ?? []).map((e) => el('span', {}, `${e.name} (${e.type})`)),
        ),
        el(
          'p',
          { class: 'tags', id: 'journey-topics' },
          'Topics: ',
          (s?.topics ?? []).map((t) => el('span', {}, `${t.label} ${t.score.toFixed(2)}`)),
        ),
        table(
          'Feeds',
          ['feed'],
          j.feeds.map((f) => [el('a', { href: `/feeds/${f}.rss` }, f)]),
          'journey-feeds',
        ),
        table(
          'Webhook deliveries',
          ['endpoint', 'version', 'event', 'queue', 'attempts (status, latency)'],
          j.webhooks.flatMap((w) =>
            w.deliveries.map((d) => [
              `${w.endpointId}${w.paused ? ' (paused)' : ''}${w.disabled ? ' (disabled)' : ''}`,
              d.version,
              d.type,
              d.queued ?? '—',
              d.attempts.map((a) => `#${a.attempt} ${a.status ?? a.error ?? 'no answer'} ${Math.round(a.latencyMs)} ms`).join(', ') ||
                'none yet',
            ]),
          ),
          'journey-webhooks',
        ),
        table(
          'Partner topics (filter matches the stored version)',
          ['partner', 'topic'],
          j.partners.map((p) => [p.partnerId, p.topic]),
          'journey-partners',
        ),
        table(
          'Partner messages (where each version was written)',
          ['version', 'event', 'partner', 'topic', 'partition', 'offset', 'written'],
          // Partition -1: written, but the broker's answer did not say where.
          j.partnerMessages.map((m) => [
            m.version,
            m.type,
            `${m.partnerId} (${m.format})`,
            m.topic,
            m.partition < 0 ? 'unknown' : m.partition,
            m.partition < 0 ? 'unknown' : m.offset,
            when(m.at),
          ]),
          'journey-partner-offsets',
        ),
      );
    };
    const open = async (q) => {
      const { status: code, json } = await call('GET', `/console/api/journey?q=${encodeURIComponent(q)}`);
      events?.close();
      if (code !== 200) {
        result.replaceChildren();
        say(json?.message ?? `error ${code}`);
        return;
      }
      say(`Following ${json.id}: updates live.`);
      history.replaceState(null, '', `?q=${encodeURIComponent(json.id)}`);
      render(json);
      events = new EventSource(`/console/events?article=${encodeURIComponent(json.id)}`);
      events.addEventListener('journey', (event) => render(JSON.parse(event.data)));
    };
    const form = el(
      'form',
      {
        role: 'search',
        onsubmit: (event) => {
          event.preventDefault();
          open(input.value);
        },
      },
      el('label', { for: 'journey-q' }, 'Article id or headline words '),
      input,
      ' ',
      el('button', { type: 'submit' }, 'Find'),
    );
    app.append(form, status, result);
    const q = new URLSearchParams(location.search).get('q');
    if (q) {
      input.value = q;
      await open(q);
    }
  }

  // ---- Webhooks: health, pause and resume, the attempt log.
  async function webhooks() {
    const list = el('div', { id: 'webhooks' });
    const replay = el('div', { id: 'replay' });
    const log = el('div', { id: 'attempts' });
    app.append(status, list, replay, log);
    const act = async (id, action) => {
      const { status: code, json } = await call('POST', `/console/api/webhooks/${encodeURIComponent(id)}/${action}`);
      say(code === 200 ? `${id}: ${action === 'pause' ? 'paused' : 'resumed'}` : `${action} failed: ${json?.message ?? code}`);
      await refresh();
    };
    const attempts = async (id) => {
      const { json } = await call('GET', `/console/api/webhooks/${encodeURIComponent(id)}/attempts`);
      log.replaceChildren(
        table(
          `Attempt log of ${id}`,
          ['at', 'message', 'attempt', 'status', 'latency', 'error'],
          (json?.attempts ?? []).map((a) => [
            when(a.at),
            a.messageId,
            a.attempt,
            a.status ?? '—',
            `${Math.round(a.latencyMs)} ms`,
            a.error ?? '',
          ]),
        ),
      );
    };
    // A time range's dead letters sent again (the replay route): by default the last hour.
    const replayForm = (id) => {
      const local = (ms) => {
        const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
        return d.toISOString().slice(0, 16);
      };
      const from = el('input', { id: 'replay-from', type: 'datetime-local', required: true, value: local(Date.now() - 3_600_000) });
      const to = el('input', { id: 'replay-to', type: 'datetime-local', required: true, value: local(Date.now() + 60_000) });
      replay.replaceChildren(
        el(
          'form',
          {
            'aria-label': `Replay ${id}`,
            onsubmit: async (event) => {
              event.preventDefault();
              const { status: code, json } = await call('POST', `/console/api/webhooks/${encodeURIComponent(id)}/replay`, {
                from: new Date(from.value).toISOString(),
                to: new Date(to.value).toISOString(),
              });
              say(
                code === 200
                  ? `${id}: replayed ${json.replayed}${json.held ? `, held under embargo: ${json.held}` : ''}`
                  : `replay failed: ${json?.message ?? code}`,
              );
              await refresh();
            },
          },
          el('h2', {}, `Replay ${id}`),
          el('p', { class: 'muted' }, 'Sends again every delivery to this endpoint that failed for good (a dead letter) in the range.'),
          el('label', { for: 'replay-from' }, 'Failed from '),
          from,
          ' ',
          el('label', { for: 'replay-to' }, 'to '),
          to,
          ' ',
          el('button', { type: 'submit' }, 'Replay the range'),
        ),
      );
    };
    const refresh = async () => {
      const { json } = await call('GET', '/console/api/webhooks');
      list.replaceChildren(
        table(
          'Webhook endpoints',
          ['endpoint', 'state', 'success rate', 'p99', 'last error', 'queue', 'actions'],
          json.endpoints.map((e) => [
            el('span', {}, e.id, el('br'), el('span', { class: 'muted' }, e.url)),
            e.disabled
              ? el('span', { class: 'bad' }, `disabled: ${e.disabled.reason}`)
              : e.paused
                ? el('span', { class: 'bad' }, 'paused')
                : e.slow
                  ? el('span', { class: 'bad' }, 'slow (served by its own queue)')
                  : el('span', { class: 'ok' }, 'active'),
            e.health.successRate === null ? '—' : `${Math.round(e.health.successRate * 100)} % of ${e.health.attempts}`,
            e.health.p99LatencyMs === null ? '—' : `${e.health.p99LatencyMs} ms`,
            e.health.lastError ?? '',
            Object.entries(e.queue)
              .filter(([, n]) => n > 0)
              .map(([k, n]) => `${k} ${n}`)
              .join(', ') || 'empty',
            el(
              'span',
              {},
              e.paused
                ? el('button', { type: 'button', 'aria-label': `Resume ${e.id}`, onclick: () => act(e.id, 'resume') }, 'Resume')
                : el('button', { type: 'button', 'aria-label': `Pause ${e.id}`, onclick: () => act(e.id, 'pause') }, 'Pause'),
              ' ',
              el(
                'button',
                { type: 'button', class: 'secondary', 'aria-label': `Attempts of ${e.id}`, onclick: () => attempts(e.id) },
                'Attempts',
              ),
              ' ',
              el(
                'button',
                { type: 'button', class: 'secondary', 'aria-label': `Replay a range of ${e.id}`, onclick: () => replayForm(e.id) },
                'Replay',
              ),
            ),
          ]),
          'endpoints',
        ),
      );
    };
    await refresh();
    // Each overview sample is a moment to look again.
    new EventSource('/console/events').addEventListener('sample', () => refresh());
  }

  // ---- Dead letters: Kafka dead-letter topics (their last messages) and webhook dead letters, with redrive.
  async function dlq() {
    const view = el('div', { id: 'dlq' });
    const kafkaView = el('div', { id: 'dlq-kafka' });
    app.append(status, kafkaView, view);
    const redriveTopic = async (topic, message) => {
      const { status: code, json } = await call(
        'POST',
        `/console/api/dlq/topics/${encodeURIComponent(topic)}/redrive`,
        message ? { partition: message.partition, offset: message.offset } : {},
      );
      say(
        code === 200
          ? `redriven ${json.redriven} to ${json.to}; a message that failed validation will fail again and come back here unless fixed at its source`
          : `redrive failed: ${json?.message ?? code}`,
      );
      await refreshTopics();
    };
    // Each topic is read to its end through a throwaway consumer group: a few seconds, so after the rest of the page.
    const refreshTopics = async () => {
      const topics = Object.keys((await call('GET', '/console/api/dlq')).json.topics);
      const sections = await Promise.all(
        topics.map(async (topic) => {
          const { status: code, json } = await call('GET', `/console/api/dlq/topics/${encodeURIComponent(topic)}?limit=50`);
          const messages = code === 200 ? json.messages : [];
          return el(
            'section',
            { class: 'dlq-topic', 'data-topic': topic },
            el('h2', {}, `Kafka ${topic}`),
            code === 200 ? null : el('p', { class: 'bad' }, `could not read it: ${json?.message ?? code}`),
            messages.some((m) => !m.redrivenAt)
              ? el(
                  'button',
                  { type: 'button', 'aria-label': `Redrive all of ${topic}`, onclick: () => redriveTopic(topic) },
                  'Redrive all', // those not redriven yet
                )
              : null,
            table(
              `Last messages of ${topic}`,
              ['at', 'key', 'error', 'stage', 'from', 'value', 'action'],
              messages.map((m) => [
                when(m.at),
                m.key ?? '',
                m.error ?? '',
                m.stage ?? '',
                `${m.originalTopic ?? '?'} ${m.originalPartition ?? '?'}/${m.originalOffset ?? '?'}`,
                el('code', {}, m.value.length > 160 ? `${m.value.slice(0, 160)}…` : m.value),
                el(
                  'span',
                  {},
                  m.redrivenAt ? el('span', { class: 'muted' }, `redriven ${when(m.redrivenAt)} `) : null,
                  el(
                    'button',
                    {
                      type: 'button',
                      'aria-label': `Redrive ${topic} ${m.partition}/${m.offset}`,
                      onclick: () => redriveTopic(topic, m),
                    },
                    'Redrive',
                  ),
                ),
              ]),
            ),
          );
        }),
      );
      kafkaView.replaceChildren(...sections);
    };
    const redrive = async (endpointId, messageId) => {
      const { status: code, json } = await call(
        'POST',
        `/console/api/dlq/${encodeURIComponent(endpointId)}/redrive`,
        messageId ? { messageId } : {},
      );
      say(
        code === 200
          ? `redriven: ${json.replayed}${json.held ? `, held under embargo: ${json.held}` : ''}`
          : `redrive failed: ${json?.message ?? code}`,
      );
      await refresh();
    };
    const refresh = async () => {
      const { json } = await call('GET', '/console/api/dlq');
      view.replaceChildren(
        table(
          'Kafka dead-letter topics',
          ['topic', 'messages'],
          Object.entries(json.topics).map(([t, n]) => [t, n]),
          'dlq-topics',
        ),
        ...json.endpoints.map((e) =>
          el(
            'section',
            {},
            el('h2', {}, `Webhook ${e.endpointId}`),
            e.deadLetters.length
              ? el(
                  'button',
                  { type: 'button', 'aria-label': `Redrive all of ${e.endpointId}`, onclick: () => redrive(e.endpointId) },
                  'Redrive all',
                )
              : null,
            table(
              `Dead letters of ${e.endpointId}`,
              ['message', 'article', 'reason', 'attempts', 'failed at', 'action'],
              e.deadLetters.map((d) => [
                d.messageId,
                d.articleId ?? '',
                d.reason ?? '',
                d.attempts,
                when(d.failedAt),
                el(
                  'button',
                  { type: 'button', 'aria-label': `Redrive ${d.messageId}`, onclick: () => redrive(e.endpointId, d.messageId) },
                  'Redrive',
                ),
              ]),
            ),
          ),
        ),
      );
    };
    await refresh();
    await refreshTopics();
  }

  // ---- Feeds: each feed's newest items and its WebSub subscribers.
  async function feeds() {
    const view = el('div', { id: 'feeds' });
    app.append(status, view);
    const { json } = await call('GET', '/console/api/feeds');
    view.replaceChildren(
      ...json.feeds.map((f) =>
        el(
          'section',
          { id: `feed-${f.slug}` },
          el('h2', {}, f.title ? `${f.title} (${f.slug})` : f.slug),
          el(
            'p',
            { class: 'muted' },
            `${f.access === 'token' ? 'partner-only (token)' : 'public'} · `,
            f.access === 'token' ? f.slug : el('a', { href: `/feeds/${f.slug}.rss` }, `/feeds/${f.slug}.rss`),
            f.filter ? ` · filter ${JSON.stringify(f.filter)}` : '',
          ),
          table(
            `Newest items of ${f.slug}`,
            ['article', 'version', 'headline', 'published'],
            f.items.map((i) => [
              el('a', { href: `/console/journey?q=${encodeURIComponent(i.id)}` }, i.id),
              i.version,
              i.headline,
              when(i.publishedAt),
            ]),
          ),
          table(
            `WebSub subscribers of ${f.slug}`,
            ['format', 'callback', 'lease until'],
            f.subscribers.map((s) => [s.format, s.callback, new Date(s.expiresAt).toLocaleString()]),
          ),
        ),
      ),
    );
  }

  // ---- Partner queues: each partner topic's offsets per partition.
  async function partners() {
    const view = el('div', { id: 'partners' });
    app.append(status, view);
    const { json } = await call('GET', '/console/api/partners');
    view.replaceChildren(
      table(
        'Partner topics',
        ['topic', 'subscriptions', 'messages kept', 'partition: low – high watermark'],
        json.topics.map((t) => [
          t.topic,
          t.subscriptions.map((s) => `${s.partnerId} (${s.format})`).join(', '),
          t.messages ?? 'not made yet',
          t.partitions ? t.partitions.map((p) => `${p.partition}: ${p.low} – ${p.high}`).join('; ') : '—',
        ]),
        'partner-topics',
      ),
    );
  }

  const pages = { overview, journey, webhooks, feeds, partners, dlq };
  pages[app.dataset.page]?.().catch((error) => say(`The page failed: ${error.message}`));
})();
