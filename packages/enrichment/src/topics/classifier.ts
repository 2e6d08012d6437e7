import { createRequire } from 'node:module';
import type { Topic } from '@syndicate/contracts';
import { type IptcConcept, type IptcVocabulary, iptcVocabulary } from '../iptc.js';
import { TopicModel } from './model.js';
import { contentTerms, termCounts } from './terms.js';

let sharedModel: TopicModel | undefined;
/** The trained weights shipped with the package (data/topic-model.json.gz, made by `npm run train:topics`). */
export const topicModel = () => {
  sharedModel ??= TopicModel.load(createRequire(import.meta.url).resolve('@syndicate/enrichment/data/topic-model.json.gz'));
  return sharedModel;
};

/** A second top-level topic is reported when the model gives it at least this probability. */
const SECOND_TOPIC_PROBABILITY = 0.25;

const round = (n: number) => Math.round(n * 1000) / 1000;

/**
 * IPTC Media Topics for an article, most specific first. A trained model picks the top-level topic
 * ("politics", "sport"…); within it, the concepts whose label terms the article uses are the specific topics,
 * deeper ones first when they score alike. Only active concepts exist in the shipped vocabulary.
 */
export class TopicClassifier {
  private readonly labelTerms: Map<string, string[]>;
  private readonly subtree = new Map<string, IptcConcept[]>();

  constructor(
    private readonly model: TopicModel = topicModel(),
    private readonly vocabulary: IptcVocabulary = iptcVocabulary(),
  ) {
    this.labelTerms = new Map(vocabulary.concepts.map((c) => [c.id, [...new Set(contentTerms(c.label))]]));
    for (const concept of vocabulary.concepts) {
      const top = vocabulary.broader(concept.id).at(-1);
      if (!top) continue;
      const list = this.subtree.get(top) ?? [];
      list.push(concept);
      this.subtree.set(top, list);
    }
  }

  /**
   * Topics for `text`, most specific first. `entities` (names found in the text) join a top-level topic's
   * evidence when the model counts their words towards it ("Kursk" for conflict, "Chelsea" for sport).
   */
  classify(text: string, { limit = 6, entities = [] }: { limit?: number; entities?: readonly string[] } = {}): Topic[] {
    const counts = termCounts(text);
    const vector = this.model.vectorize(counts);
    if (vector.size === 0) return [];
    const probabilities = this.model.probabilities(vector);
    const ranked = this.model.classes.map((id, c) => ({ id, c, p: probabilities[c] as number })).sort((a, b) => b.p - a.p);
    const topics: Topic[] = [];
    for (const [rank, top] of ranked.entries()) {
      if (rank > 0 && top.p < SECOND_TOPIC_PROBABILITY) break;
      const concept = this.vocabulary.get(top.id);
      if (!concept) continue;
      topics.push(...this.specificTopics(top.id, top.p, counts));
      const terms = this.model.evidence(vector, top.c, 20);
      const named = entities.filter((name) => contentTerms(name).some((t) => terms.includes(t)));
      topics.push({ id: concept.id, label: concept.label, score: round(top.p), evidence: [...terms.slice(0, 5), ...named.slice(0, 3)] });
    }
    return topics.slice(0, limit);
  }

  /**
   * Concepts under `top` whose label the text uses: a one-word label anywhere, a longer one as a phrase
   * (each pair of its words side by side, so "legal" and "service" far apart are not "legal service").
   * Scored by how often, deeper concepts first when they score alike.
   */
  private specificTopics(top: string, probability: number, counts: Map<string, number>, limit = 3): Topic[] {
    const matches: Array<{ concept: IptcConcept; strength: number; evidence: string[] }> = [];
    for (const concept of this.subtree.get(top) ?? []) {
      const terms = this.labelTerms.get(concept.id) ?? [];
      if (terms.length === 0 || !terms.every((t) => counts.has(t))) continue;
      const pairs = terms.slice(1).map((t, i) => `${terms[i]} ${t}`);
      if (!pairs.every((pair) => counts.has(pair))) continue;
      const depth = this.vocabulary.broader(concept.id).length;
      const occurrences =
        pairs.length > 0 ? Math.min(...pairs.map((pair) => counts.get(pair) ?? 0)) : (counts.get(terms[0] as string) ?? 0);
      const strength = terms.length * Math.log1p(occurrences) * (1 + 0.25 * depth);
      matches.push({ concept, strength, evidence: pairs.length > 0 ? pairs : terms });
    }
    matches.sort((a, b) => b.strength - a.strength);
    const best = matches[0]?.strength ?? 1;
    return matches.slice(0, limit).map(({ concept, strength, evidence }) => ({
      id: concept.id,
      label: concept.label,
      score: round(probability * Math.min(1, strength / best)),
      evidence,
    }));
  }

  /** The chain from a topic up to its top-level ancestor, most specific first. */
  ancestry(id: string): IptcConcept[] {
    return [id, ...this.vocabulary.broader(id)].flatMap((c) => this.vocabulary.get(c) ?? []);
  }
}
