/**
 * `npm run train:topics`: trains the top-level topic model on the BBC News dev set in ../shared/data and the
 * IPTC vocabulary's own labels and definitions, and writes data/topic-model.json.gz. Deterministic.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BBC_TO_MEDTOP, readBbc } from '../eval/bbc.js';
import { trainTopicModel } from '../src/topics/training.js';

const out = process.argv[2] ?? join(import.meta.dirname, '..', 'data', 'topic-model.json.gz');
const articles = readBbc();
const model = trainTopicModel(articles, Object.values(BBC_TO_MEDTOP));
const bytes = gzipSync(model.serialize(), { level: 9 });
writeFileSync(out, bytes);
console.error(
  `${articles.length} articles (plus vocabulary and written examples), ${model.classes.length} classes; wrote ${out} (${(bytes.length / 1e6).toFixed(2)} MB)`,
);
