import { parseArgs } from 'node:util';
import { PageParseError } from '@syndicate/article-parser';
import { z } from 'zod';
import { enrichFile, enrichJsonl } from './commands/enrich.js';
import { renderFeed } from './commands/feed.js';
import { parseFileToEvent } from './commands/parse.js';
import { MAX_BATCH_ARTICLES, publishFiles } from './commands/publish.js';
import { replay } from './commands/replay.js';
import { printJson, UsageError } from './io.js';
import { progressReporter } from './progress.js';

const USAGE = `usage: syndicate <command>

  parse FILE                          print the article.published event FILE stands for
  enrich FILE                         print the enriched article for FILE
  enrich --jsonl                      JSON lines {"id","text","headline"?} on stdin -> entities and topics per line
  feed render --format rss|atom|json  enriched articles (JSON lines) on stdin -> the feed document
  publish [--api URL] [--batch-size N] FILE...
                                      publish files through the API, N (100) a request (token: SYNDICATE_ADMIN_TOKEN)
  replay --subscription ID [--days N] fill a subscription with the last N days (default 7), with progress

FILE is a saved article page, a plain-text article (headline on the first line) or a JSON event.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'parse': {
      const file = single(rest, 'parse FILE');
      printJson(parseFileToEvent(file));
      return 0;
    }
    case 'enrich': {
      const { values, positionals } = parseArgs({ args: rest, options: { jsonl: { type: 'boolean' } }, allowPositionals: true });
      if (values.jsonl) return enrichJsonl();
      printJson(enrichFile(single(positionals, 'enrich FILE')));
      return 0;
    }
    case 'feed': {
      const { values, positionals } = parseArgs({
        args: rest,
        options: { format: { type: 'string', default: 'rss' }, 'site-url': { type: 'string', default: 'http://127.0.0.1:8080' } },
        allowPositionals: true,
      });
      if (positionals[0] !== 'render') throw new UsageError('usage: syndicate feed render --format rss|atom|json');
      await renderFeed(values.format, values['site-url']);
      return 0;
    }
    case 'publish': {
      const { values, positionals } = parseArgs({
        args: rest,
        options: { api: { type: 'string' }, 'batch-size': { type: 'string', default: '100' } },
        allowPositionals: true,
      });
      if (positionals.length === 0) throw new UsageError('usage: syndicate publish [--api URL] [--batch-size N] FILE...');
      const batchSize = Number(values['batch-size']);
      if (!(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= MAX_BATCH_ARTICLES)) {
        throw new UsageError(`--batch-size must be a whole number from 1 to ${MAX_BATCH_ARTICLES}`);
      }
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
    }
    case 'replay': {
      const { values } = parseArgs({
        args: rest,
        options: { api: { type: 'string' }, subscription: { type: 'string' }, days: { type: 'string', default: '7' } },
      });
      if (!values.subscription) throw new UsageError('usage: syndicate replay --subscription ID [--days N] [--api URL]');
      const days = Number(values.days);
      if (!(days > 0 && days <= 365)) throw new UsageError('--days must be a number from 1 to 365');
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
    }
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command ${command}\n${USAGE}`);
  }
}

function adminToken(): string {
  const token = process.env.SYNDICATE_ADMIN_TOKEN;
  if (!token) throw new UsageError('set SYNDICATE_ADMIN_TOKEN to the token `npm start` printed');
  return token;
}

const apiUrlOf = (flag: string | undefined) => flag ?? `http://127.0.0.1:${process.env.PORT ?? 8080}`;

function single(args: string[], usage: string): string {
  if (args.length !== 1 || !args[0]) throw new UsageError(`usage: syndicate ${usage}`);
  return args[0];
}

/** Runs the CLI; bad input ends with a message and a non-zero code, never a stack trace. */
export async function runCli(argv: string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (error) {
    if (error instanceof UsageError || error instanceof PageParseError) {
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
