/**
 * What the tagger said about words earlier in the same text, a non-local feature (the "prediction history" of
 * Ratinov and Roth 2009): a name's later mentions ("Maersk shares rose") are read in the light of the earlier
 * ones ("shipping group Maersk"), and a team named after its town keeps being a team down a results story. The
 * tagger reads it for each token before a sentence is tagged and adds the sentence's names to it after.
 */
import { casedFor } from './casing.js';
import { TAG_COUNT, TAGS } from './model.js';

export class NameHistory {
  /**
   * For each word, as the features see it ("Kent" for "KENT" in capitals), how often each tag was its tag in a
   * name (the place in the name counts too: a word alone, "U-LOC", says more than one inside a longer name,
   * "I-ORG", Rotterdam in "Port of Rotterdam Authority"), and the tag it had most often, the latest on a tie.
   */
  private readonly words = new Map<string, HistoryEntry>();

  /** The tag (`U-ORG`, `L-PER`…) `word` had most often in a name so far; undefined when it has been in none. */
  tagOf(word: string): string | undefined {
    const id = this.tagIdOf(word);
    return id === -1 ? undefined : TAGS[id];
  }

  /** `tagOf` as a tag id (model.ts), -1 for none: one lookup, for the tagger. */
  tagIdOf(word: string): number {
    return this.words.get(word)?.best ?? -1;
  }

  /** Records the words of the names in a tagged sentence: `path` holds tag ids (model.ts), 0 for O. */
  record(words: readonly string[], path: ArrayLike<number>, caps: boolean): void {
    for (let i = 0; i < words.length; i++) {
      const tag = path[i] as number;
      if (tag === 0) continue;
      const word = casedFor(words[i] as string, caps);
      const entry = this.words.get(word);
      // Most words only ever have one tag: their counts are kept only once a second one comes (allocating
      // a count table per word cost a tenth of the tagging time).
      if (!entry) this.words.set(word, { best: tag, bestCount: 1, counts: undefined });
      else if (entry.counts === undefined && tag === entry.best) entry.bestCount++;
      else {
        if (entry.counts === undefined) {
          entry.counts = new Array<number>(TAG_COUNT).fill(0);
          entry.counts[entry.best] = entry.bestCount;
        }
        const count = (entry.counts[tag] as number) + 1;
        entry.counts[tag] = count;
        if (count >= entry.bestCount) {
          entry.best = tag;
          entry.bestCount = count;
        }
      }
    }
  }
}

/** A word's tags so far: the most frequent (the latest on a tie) and, once it has had two, the count of each. */
interface HistoryEntry {
  best: number;
  bestCount: number;
  counts: number[] | undefined;
}
