/**
 * Word clusters learnt from unlabelled news (scripts/build-word-clusters.ts): words that keep the same company
 * share a cluster, so the tagger can carry what it learnt about "Boeing" to "Qantas", which its labelled data
 * never saw. A word's cluster comes as a path through a hierarchy ("5.3.7"); the tagger sees every prefix of
 * it ("5", "5.3", "5.3.7"), coarse and fine.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';

export class WordClusters {
  private constructor(private readonly prefixesByWord: ReadonlyMap<string, readonly string[]>) {}

  /** Reads `word\tpath` lines (gzip). */
  static load(path: string): WordClusters {
    const prefixesByWord = new Map<string, readonly string[]>();
    // Words of one path share its prefix list: a few thousand lists for the whole vocabulary.
    const prefixesOfPath = new Map<string, readonly string[]>();
    for (const line of gunzipSync(readFileSync(path)).toString('utf8').split('\n')) {
      const tab = line.indexOf('\t');
      if (tab === -1) continue;
      const clusterPath = line.slice(tab + 1);
      let prefixes = prefixesOfPath.get(clusterPath);
      if (!prefixes) {
        const parts = clusterPath.split('.');
        prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('.'));
        prefixesOfPath.set(clusterPath, prefixes);
      }
      prefixesByWord.set(line.slice(0, tab), prefixes);
    }
    return new WordClusters(prefixesByWord);
  }

  /** The word's cluster at each level, coarse first; none for a word the clusters never saw. */
  prefixes(word: string): readonly string[] {
    return this.prefixesByWord.get(word) ?? NONE;
  }
}

const NONE: readonly string[] = [];

/** The clusters shipped with the package (data/word-clusters.tsv.gz, made by `npm run build:clusters`). */
export const wordClustersPath = () => createRequire(import.meta.url).resolve('@syndicate/enrichment/data/word-clusters.tsv.gz');

let shared: WordClusters | undefined;
/** The process-wide clusters, loaded on first use. */
export const wordClusters = () => {
  shared ??= WordClusters.load(wordClustersPath());
  return shared;
};
