import type { EnrichedRecord } from '@syndicate/contracts';
import { Enricher, extractEntities, TopicClassifier } from '@syndicate/enrichment';
import { z } from 'zod';
import { stdinLines } from '../io.js';
import { parseFileToEvent } from './parse.js';

const JsonlInput = z.object({ id: z.union([z.string(), z.number()]), text: z.string().max(5_000_000), headline: z.string().optional() });

/** `syndicate enrich FILE`: the enriched record the pipeline would write for this file. */
export function enrichFile(path: string): EnrichedRecord {
  const { data } = parseFileToEvent(path);
  return { type: 'article.published', article: data, enrichment: new Enricher().enrich(data), enrichedAt: new Date().toISOString() };
}

/**
 * `syndicate enrich --jsonl`: one output line per input line; offsets point into the given `text`. A bad line
 * gets an `error` line of its own and the stream goes on.
 */
export async function enrichJsonl(): Promise<number> {
  const topics = new TopicClassifier();
  const out = new LineWriter();
  let failures = 0;
  for await (const { line, number } of stdinLines()) {
    let input: z.infer<typeof JsonlInput>;
    try {
      input = JsonlInput.parse(JSON.parse(line));
    } catch (error) {
      failures++;
      out.write({ line: number, error: error instanceof z.ZodError ? z.prettifyError(error) : (error as Error).message });
      continue;
    }
    const leadEnd = input.text.indexOf('\n\n') === -1 ? input.text.length : input.text.indexOf('\n\n');
    const entities = extractEntities(input.text, { headlineEnd: 0, leadEnd });
    const text = input.headline ? `${input.headline}\n\n${input.text}` : input.text;
    const classified = topics.classify(text, { entities: entities.map((e) => e.name) });
    out.write({ id: input.id, entities, topics: classified });
  }
  out.flush();
  return failures === 0 ? 0 : 1;
}

/**
 * JSON lines to stdout, written together: the lines of one chunk of input go out in one write once that chunk
 * is done (a write per line is a system call per line), and never more than 64 KB wait.
 */
class LineWriter {
  private lines: string[] = [];
  private bytes = 0;
  private scheduled = false;

  write(value: unknown): void {
    const line = `${JSON.stringify(value)}\n`;
    this.lines.push(line);
    this.bytes += line.length;
    if (this.bytes >= 65_536) this.flush();
    else if (!this.scheduled) {
      // After the lines already read are handled, before waiting for more input.
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.lines.length === 0) return;
    process.stdout.write(this.lines.join(''));
    this.lines = [];
    this.bytes = 0;
  }
}
