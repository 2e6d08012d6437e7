import rootPackage from '../../../package.json' with { type: 'json' };
import { type Command, command, commandHelp, rootHelp, wantsHelp } from './args.js';
import { printJson, UsageError } from './io.js';
import { MAX_BATCH_ARTICLES } from './limits.js';
import { progressReporter } from './progress.js';

// Each command loads its modules (the enrichment model, zod, undici…) when it runs, not before: `syndicate
// --help` and a usage error should answer about as fast as Node starts.

const SEED = '../shared/seeds/000_6082e137c817fc36.txt';

const COMMANDS: Command[] = [
  command({
    name: 'parse',
    usage: 'parse FILE',
    summary: 'print the article.published event FILE stands for',
    description: 'Prints the article.published event for FILE; page furniture is dropped.',
    flags: {},
    positionals: true,
    examples: [`syndicate parse ${SEED}`],
    async run(_values, positionals) {
      const { parseFileToEvent } = await import('./commands/parse.js');
      printJson(parseFileToEvent(single(positionals, 'parse')));
      return 0;
    },
  }),
  command({
    name: 'enrich',
    usage: 'enrich FILE | enrich --jsonl',
    summary: 'print the enriched article for FILE, or for each JSON line on stdin',
    description:
      'Prints the enriched article for FILE: entities (offsets, salience, ids), IPTC topics with evidence.\n' +
      'With --jsonl, reads JSON lines {"id","text","headline"?} on stdin and writes one line of entities and\n' +
      'topics each (offsets into text); a bad line gets an error line and exit code 1.',
    flags: { jsonl: { type: 'boolean', description: 'JSON lines on stdin instead of FILE' } },
    positionals: true,
    examples: [`syndicate enrich ${SEED}`, `echo '{"id":1,"text":"Rain fell on Lisbon."}' | syndicate enrich --jsonl`],
    async run(values, positionals) {
      const { enrichFile, enrichJsonl } = await import('./commands/enrich.js');
      if (values.jsonl) {
        if (positionals.length > 0) throw new UsageError('enrich --jsonl reads stdin and takes no FILE; see syndicate enrich --help');
        return enrichJsonl();
      }
      printJson(enrichFile(single(positionals, 'enrich')));
      return 0;
    },
  }),
  command({
    name: 'feed',
    usage: 'feed render [--format F]',
    summary: 'enriched articles (JSON lines) on stdin -> the feed document',
    description: "Renders enriched articles (JSON lines on stdin) with the feed server's renderers; the newest version of each wins.",
    flags: {
      format: { type: 'string', value: 'F', default: 'rss', description: 'rss, atom or json' },
      'site-url': { type: 'string', value: 'URL', default: 'http://127.0.0.1:8080', description: 'the base of the links in the feed' },
    },
    positionals: true,
    examples: [`syndicate enrich ${SEED} | jq -c . | syndicate feed render --format atom`],
    async run(values, positionals) {
      if (positionals.length !== 1 || positionals[0] !== 'render')
        throw new UsageError('usage: syndicate feed render --format rss|atom|json; see syndicate feed --help');
      const { renderFeed } = await import('./commands/feed.js');
      await renderFeed(values.format, values['site-url']);
      return 0;
    },
  }),
  command({
    name: 'publish',
    usage: 'publish [--api URL] [--batch-size N] FILE...',
    summary: 'publish files through the API (token: SYNDICATE_ADMIN_TOKEN)',
    description:
      'Publishes files through POST /v1/articles/batch, N a request, four requests at a time, with progress\n' +
      'and a line per file in order; exit code 1 if any was rejected. The token is SYNDICATE_ADMIN_TOKEN.',
    flags: {
      api: { type: 'string', value: 'URL', description: 'the API (default http://127.0.0.1:$PORT, PORT 8080)' },
      'batch-size': { type: 'string', value: 'N', default: '100', description: `articles a request, 1 to ${MAX_BATCH_ARTICLES}` },
    },
    positionals: true,
    examples: ['syndicate publish --batch-size 50 ../shared/seeds/*.txt'],
    async run(values, positionals) {
      if (positionals.length === 0) throw new UsageError('publish needs at least one FILE; see syndicate publish --help');
      const batchSize = Number(values['batch-size']);
      if (!(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= MAX_BATCH_ARTICLES)) {
        throw new UsageError(`--batch-size must be a whole number from 1 to ${MAX_BATCH_ARTICLES}`);
      }
      const { publishFiles } = await import('./commands/publish.js');
      const report = progressReporter();
      const results = await publishFiles(positionals, {
        apiUrl: apiUrlOf(values.api),
        token: adminToken(),
        batchSize,
        onProgress: (done, total, last) => report(done, total, last.file),
      });
      const rejected = results.filter((r) => !r.ok);
      process.stdout.write(`accepted ${results.length - rejected.length}, rejected ${rejected.length}\n`);
      for (const r of results) process.stdout.write(`  ${r.ok ? 'accepted' : 'rejected'} ${r.file}: ${r.detail}\n`);
      return rejected.length === 0 ? 0 : 1;
    },
  }),
  command({
    name: 'replay',
    usage: 'replay --subscription ID [--days N] [--api URL]',
    summary: 'fill a subscription with the last N days, with progress',
    description: 'Backfills a subscription from article-enriched and waits for it, with progress; exit code 1 unless it completed.',
    flags: {
      subscription: { type: 'string', value: 'ID', description: 'the subscription to fill (required)' },
      days: { type: 'string', value: 'N', default: '7', description: 'how far back, 1 to 365 days' },
      api: { type: 'string', value: 'URL', description: 'the API (default http://127.0.0.1:$PORT, PORT 8080)' },
    },
    examples: ['syndicate replay --subscription sub_123 --days 3'],
    async run(values) {
      if (!values.subscription) throw new UsageError('replay needs --subscription ID; see syndicate replay --help');
      const days = Number(values.days);
      if (!(days > 0 && days <= 365)) throw new UsageError('--days must be a number from 1 to 365');
      const { replay } = await import('./commands/replay.js');
      const status = await replay({
        apiUrl: apiUrlOf(values.api),
        token: adminToken(),
        subscriptionId: values.subscription,
        days,
        onProgress: progressReporter(),
      });
      const { read, delivered } = status.progress;
      process.stdout.write(`backfill ${status.backfillId} ${status.state}: read ${read} records, delivered ${delivered} articles\n`);
      if (status.failedReason) process.stdout.write(`  reason: ${status.failedReason}\n`);
      return status.state === 'completed' ? 0 : 1;
    },
  }),
];

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  switch (name) {
    case undefined:
      process.stdout.write(`${rootHelp(COMMANDS)}\n`);
      return 2;
    case '-h':
    case '--help':
      process.stdout.write(`${rootHelp(COMMANDS)}\n`);
      return 0;
    case '--version':
    case '-v':
      process.stdout.write(`${rootPackage.version}\n`);
      return 0;
  }
  const wanted = name === 'help' ? rest[0] : name;
  const found = COMMANDS.find((c) => c.name === wanted);
  if (name === 'help' && wanted === undefined) {
    process.stdout.write(`${rootHelp(COMMANDS)}\n`);
    return 0;
  }
  if (!found) {
    const what = wanted?.startsWith('-') ? 'flag' : 'command';
    throw new UsageError(`unknown ${what} ${wanted}; see syndicate --help`);
  }
  if (name === 'help' || wantsHelp(rest)) {
    process.stdout.write(`${commandHelp(found)}\n`);
    return 0;
  }
  return found.run(rest);
}

function adminToken(): string {
  const token = process.env.SYNDICATE_ADMIN_TOKEN;
  if (!token) throw new UsageError('set SYNDICATE_ADMIN_TOKEN to the token `npm start` printed');
  return token;
}

const apiUrlOf = (flag: string | undefined) => flag ?? `http://127.0.0.1:${process.env.PORT ?? 8080}`;

function single(args: string[], name: string): string {
  if (args.length !== 1 || !args[0]) throw new UsageError(`${name} takes one FILE; see syndicate ${name} --help`);
  return args[0];
}

/** Runs the CLI; bad input ends with a message and a non-zero code, never a stack trace. */
export async function runCli(argv: string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`syndicate: ${error.message}\n`);
      return 2;
    }
    // Loaded only on this path, for the same reason as the commands.
    const [{ PageParseError }, { z }] = await Promise.all([import('@syndicate/article-parser'), import('zod')]);
    if (error instanceof PageParseError) {
      process.stderr.write(`syndicate: ${error.message}\n`);
      return 2;
    }
    if (error instanceof z.ZodError) {
      process.stderr.write(`syndicate: invalid article:\n${z.prettifyError(error)}\n`);
      return 2;
    }
    if (error instanceof SyntaxError) {
      process.stderr.write(`syndicate: invalid JSON: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
