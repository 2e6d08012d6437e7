/**
 * `npm run eval:topics`: accuracy of the level-1 ancestor of the best topic on the BBC News dev set in
 * ../shared/data (business, entertainment, politics, sport and tech map to medtop 04, 01, 11, 15, 13).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TopicClassifier } from '../src/topics.js';

const EXPECTED: Record<string, string> = {
  business: 'medtop:04000000',
  entertainment: 'medtop:01000000',
  politics: 'medtop:11000000',
  sport: 'medtop:15000000',
  tech: 'medtop:13000000',
};
const dir = process.argv[2] ?? join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data', 'bbc-news-dev');
const classifier = new TopicClassifier();
let right = 0;
let total = 0;
const perClass: Record<string, { right: number; total: number }> = {};
for (const label of Object.keys(EXPECTED)) {
  perClass[label] = { right: 0, total: 0 };
  for (const name of readdirSync(join(dir, label))) {
    const text = readFileSync(join(dir, label, name), 'utf8');
    const best = classifier.classify(text, 1)[0];
    const level1 = best ? classifier.ancestry(best.id).at(-1)?.id : undefined;
    const ok = level1 === EXPECTED[label];
    right += ok ? 1 : 0;
    total++;
    (perClass[label] as { right: number; total: number }).right += ok ? 1 : 0;
    (perClass[label] as { right: number; total: number }).total++;
  }
}
console.log('| class | accuracy | documents |');
console.log('| --- | --- | --- |');
for (const [label, c] of Object.entries(perClass)) console.log(`| ${label} | ${(c.right / c.total).toFixed(3)} | ${c.total} |`);
console.log(`| all | ${(right / total).toFixed(3)} | ${total} |`);
