import type { Topic } from '@syndicate/contracts';
import { type IptcConcept, type IptcVocabulary, iptcVocabulary } from './iptc.js';
import { words } from './text-stats.js';

type Concept = IptcConcept;

const STOPWORDS = new Set(
  'a an and are as at be by for from has have in into is it its of on or other such that the their this to was were which with all any including not those these related matters activities issues'.split(
    ' ',
  ),
);

/** Crude stemming: enough to let "soldiers" meet "soldier" and "elections" meet "election". */
const stem = (w: string) => w.replace(/['’]s$/, '').replace(/(?<=\w{3})(ies|es|s)$/, (m) => (m === 'ies' ? 'y' : ''));

const terms = (text: string) =>
  words(text)
    .filter((w) => w.length > 2 && !STOPWORDS.has(w))
    .map(stem);

/**
 * A lexical first version of topic classification: every active IPTC Media Topic is scored by how often its
 * label (weight 2) and definition (weight 1) terms occur in the article, and the best ones are returned
 * with their ancestors' chain available through `broader`. The enrichment issue replaces it with a trained model.
 */
export class TopicClassifier {
  private readonly concepts: Concept[];
  private readonly termsOf: Map<string, Map<string, number>>;

  constructor(private readonly vocabulary: IptcVocabulary = iptcVocabulary()) {
    this.concepts = vocabulary.concepts;
    this.termsOf = new Map(
      this.concepts.map((c) => {
        const weights = new Map<string, number>();
        for (const t of terms(c.definition)) weights.set(t, 1);
        for (const t of terms(c.label)) weights.set(t, 2);
        return [c.id, weights];
      }),
    );
  }

  classify(text: string, limit = 5): Topic[] {
    const tf = new Map<string, number>();
    for (const t of terms(text)) tf.set(t, (tf.get(t) ?? 0) + 1);
    const scored: Array<{ concept: Concept; score: number; evidence: string[] }> = [];
    for (const concept of this.concepts) {
      const weights = this.termsOf.get(concept.id);
      if (!weights || weights.size === 0) continue;
      let score = 0;
      const evidence: string[] = [];
      for (const [term, weight] of weights) {
        const count = tf.get(term);
        if (!count) continue;
        score += weight * Math.log1p(count);
        evidence.push(term);
      }
      // Two distinct terms at least: one shared word is coincidence, not a topic.
      if (evidence.length >= 2) scored.push({ concept, score: score / Math.sqrt(weights.size), evidence });
    }
    scored.sort((a, b) => b.score - a.score);
    const best = scored[0]?.score ?? 1;
    return scored.slice(0, limit).map(({ concept, score, evidence }) => ({
      id: concept.id,
      label: concept.label,
      score: Math.round((score / best) * 1000) / 1000,
      evidence,
    }));
  }

  /** The chain from a topic up to its top-level ancestor, most specific first. */
  ancestry(id: string): Concept[] {
    return [id, ...this.vocabulary.broader(id)].flatMap((c) => this.vocabulary.get(c) ?? []);
  }
}
