/** Reads the BBC News dev set in ../shared/data: one folder per class, the first line of each file the headline. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabelledText } from '../src/topics/model.js';

/** BBC classes and the top-level IPTC Media Topic each belongs to. */
export const BBC_TO_MEDTOP: Record<string, string> = {
  business: 'medtop:04000000',
  entertainment: 'medtop:01000000',
  politics: 'medtop:11000000',
  sport: 'medtop:15000000',
  tech: 'medtop:13000000',
};

export const BBC_DEV = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data', 'bbc-news-dev');

export function readBbc(dir = BBC_DEV): Array<LabelledText & { bbcClass: string }> {
  return Object.entries(BBC_TO_MEDTOP).flatMap(([bbcClass, label]) =>
    readdirSync(join(dir, bbcClass))
      .sort()
      .map((name) => ({ text: readFileSync(join(dir, bbcClass, name), 'utf8'), label, bbcClass })),
  );
}
