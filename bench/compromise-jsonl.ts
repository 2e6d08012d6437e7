/**
 * The baseline `npm run bench:enrich` times through a command line, as `syndicate enrich --jsonl` is timed:
 * JSON lines `{"id","text"}` on stdin, one line out per document with the people, places and organisations
 * compromise finds (with offsets), as the first version of the enricher did. Run: `node --import tsx
 * bench/compromise-jsonl.ts < docs.jsonl`.
 */
import { createInterface } from 'node:readline';
import nlp from 'compromise';

for await (const line of createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY })) {
  if (!line.trim()) continue;
  const { id, text } = JSON.parse(line) as { id: string | number; text: string };
  const doc = nlp(text);
  const found = {
    people: doc.people().json({ offset: true }),
    places: doc.places().json({ offset: true }),
    organizations: doc.organizations().json({ offset: true }),
  };
  process.stdout.write(`${JSON.stringify({ id, ...found })}\n`);
}
