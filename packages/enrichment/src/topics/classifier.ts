import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Topic } from '@syndicate/contracts';
import { type IptcConcept, type IptcVocabulary, iptcVocabulary } from '../iptc.js';
import { TopicModel } from './model.js';
import { contentTerms, termCountsAndForms } from './terms.js';

let sharedModel: TopicModel | undefined;
/** The trained weights shipped with the package (data/topic-model.json.gz, made by `npm run train:topics`). */
export const topicModel = () => {
  sharedModel ??= TopicModel.load(createRequire(import.meta.url).resolve('@syndicate/enrichment/data/topic-model.json.gz'));
  return sharedModel;
};

/** A second top-level topic is reported when the model gives it at least this probability. */
const SECOND_TOPIC_PROBABILITY = 0.25;

/** Written for this project: words news uses for each level-2 topic (data/topic-keywords.tsv), by label. */
export function topicKeywords(): Map<string, string> {
  const path = createRequire(import.meta.url).resolve('@syndicate/enrichment/data/topic-keywords.tsv');
  const keywords = new Map<string, string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [label, words = ''] = line.split('\t') as [string, string?];
    keywords.set(label, words);
  }
  return keywords;
}

/**
 * How much each source of a level-2 topic's profile weighs: its own label, its keywords, its definition,
 * then the labels and definitions of the topics under it (which name what it covers: "war", "guerrilla
 * activity" under armed conflict).
 */
const PROFILE_WEIGHTS = { label: 3, keywords: 2, definition: 1, narrowerLabel: 1.5, narrowerDefinition: 0.5 };
/** A term counts at most this much in one profile, however many narrower topics use it. */
const PROFILE_CAP = 4;
/** A level-2 topic needs this many distinct terms of the article in its profile (or one of its label's). */
const MIN_EVIDENCE_TERMS = 2;

interface Profile {
  weights: Map<string, number>;
  /** The stems of its own label: one of them alone is enough evidence. */
  labelTerms: Set<string>;
  norm: number;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/**
 * IPTC Media Topics for an article, most specific first. A trained model picks the top-level topic
 * ("politics", "sport"…); within it, the level-2 topic whose profile the article matches best (see
 * `levelTwoTopic`); within that, the concepts whose label terms the article uses, deeper ones first when
 * they score alike. Only active concepts exist in the shipped vocabulary.
 */
export class TopicClassifier {
  private readonly labelTerms: Map<string, string[]>;
  private readonly pairsWanted = new Map<string, Set<string>>();
  /** Every concept under each concept, at any depth. */
  private readonly subtree = new Map<string, IptcConcept[]>();
  /** The level-2 topics under each top-level topic, with what an article about them tends to say. */
  private readonly levelTwo = new Map<string, Array<{ concept: IptcConcept; profile: Profile }>>();
  /** For each top-level topic, each profile term's weights: [index into `levelTwo`'s list, weight, 1 if a label term]… */
  private readonly levelTwoTerms = new Map<string, Map<string, number[]>>();

  constructor(
    private readonly model: TopicModel = topicModel(),
    private readonly vocabulary: IptcVocabulary = iptcVocabulary(),
    keywords: Map<string, string> = topicKeywords(),
  ) {
    this.labelTerms = new Map(vocabulary.concepts.map((c) => [c.id, [...new Set(contentTerms(c.label))]]));
    // The stem pairs worth counting: those the model weighs and those of multi-word labels.
    const wantPair = (first: string, second: string) => {
      const seconds = this.pairsWanted.get(first) ?? new Set<string>();
      seconds.add(second);
      this.pairsWanted.set(first, seconds);
    };
    for (const term of model.terms()) {
      const space = term.indexOf(' ');
      if (space !== -1) wantPair(term.slice(0, space), term.slice(space + 1));
    }
    for (const terms of this.labelTerms.values())
      for (let i = 1; i < terms.length; i++) wantPair(terms[i - 1] as string, terms[i] as string);
    for (const concept of vocabulary.concepts) {
      for (const ancestor of vocabulary.broader(concept.id)) {
        const list = this.subtree.get(ancestor) ?? [];
        list.push(concept);
        this.subtree.set(ancestor, list);
      }
    }
    const profiles: Array<{ top: string; concept: IptcConcept; weights: Map<string, number> }> = [];
    for (const concept of vocabulary.concepts) {
      const chain = vocabulary.broader(concept.id);
      if (chain.length !== 1) continue;
      const weights = new Map<string, number>();
      const add = (text: string, weight: number) => {
        for (const term of new Set(contentTerms(text))) weights.set(term, Math.min(PROFILE_CAP, (weights.get(term) ?? 0) + weight));
      };
      add(concept.label, PROFILE_WEIGHTS.label);
      add(keywords.get(concept.label) ?? '', PROFILE_WEIGHTS.keywords);
      add(concept.definition, PROFILE_WEIGHTS.definition);
      for (const narrower of this.subtree.get(concept.id) ?? []) {
        add(narrower.label, PROFILE_WEIGHTS.narrowerLabel);
        add(narrower.definition, PROFILE_WEIGHTS.narrowerDefinition);
      }
      profiles.push({ top: chain[0] as string, concept, weights });
    }
    // A term in many topics' profiles ("people", "organization") tells them apart less: inverse topic frequency.
    const topicsWith = new Map<string, number>();
    for (const { weights } of profiles) for (const term of weights.keys()) topicsWith.set(term, (topicsWith.get(term) ?? 0) + 1);
    for (const { top, concept, weights } of profiles) {
      let norm = 0;
      for (const [term, weight] of weights) {
        const w = weight * Math.log(profiles.length / (topicsWith.get(term) ?? 1));
        weights.set(term, w);
        norm += w * w;
      }
      const list = this.levelTwo.get(top) ?? [];
      const terms = this.levelTwoTerms.get(top) ?? new Map<string, number[]>();
      const labelTerms = new Set(contentTerms(concept.label));
      for (const [term, w] of weights) {
        if (w <= 0) continue;
        const entry = terms.get(term) ?? [];
        entry.push(list.length, w, labelTerms.has(term) ? 1 : 0);
        terms.set(term, entry);
      }
      list.push({ concept, profile: { weights, labelTerms, norm: Math.sqrt(norm) || 1 } });
      this.levelTwo.set(top, list);
      this.levelTwoTerms.set(top, terms);
    }
  }

  /**
   * Topics for `text`, most specific first. `entities` (names found in the text) join a top-level topic's
   * evidence when the model counts their words towards it ("Kursk" for conflict, "Chelsea" for sport).
   */
  classify(text: string, { limit = 6, entities = [] }: { limit?: number; entities?: readonly string[] } = {}): Topic[] {
    const { counts, forms } = termCountsAndForms(text, this.pairsWanted);
    const vector = this.model.vectorize(counts);
    if (vector.size === 0) return [];
    const probabilities = this.model.probabilities(vector);
    const ranked = this.model.classes.map((id, c) => ({ id, c, p: probabilities[c] as number })).sort((a, b) => b.p - a.p);
    const topics: Topic[] = [];
    for (const [rank, top] of ranked.entries()) {
      if (rank > 0 && top.p < SECOND_TOPIC_PROBABILITY) break;
      const concept = this.vocabulary.get(top.id);
      if (!concept) continue;
      const second = this.levelTwoTopic(top.id, counts);
      if (second) {
        const share = top.p * second.share;
        topics.push(...this.specificTopics(second.concept.id, share, counts, 2));
        topics.push({
          id: second.concept.id,
          label: second.concept.label,
          score: round(share),
          evidence: second.terms.slice(0, 5).map((term) => forms.get(term) ?? term),
        });
      }
      const terms = this.model.evidence(vector, top.c, 20);
      const named = entities.filter((name) => contentTerms(name).some((t) => terms.includes(t)));
      topics.push({ id: concept.id, label: concept.label, score: round(top.p), evidence: [...terms.slice(0, 5), ...named.slice(0, 3)] });
    }
    return topics.slice(0, limit);
  }

  /**
   * The level-2 topic under `top` whose profile (label, keywords, definition, narrower topics) the article's
   * terms match best: Σ over shared terms of profile weight × log(1 + count), over the profile's length, so a
   * topic with a long list of narrower topics does not win by size. Its share is its score over all of
   * `top`'s level-2 topics' scores. Undefined when no topic has enough evidence.
   */
  private levelTwoTopic(top: string, counts: Map<string, number>): { concept: IptcConcept; share: number; terms: string[] } | undefined {
    const topics = this.levelTwo.get(top) ?? [];
    const terms = this.levelTwoTerms.get(top);
    if (!terms || topics.length === 0) return undefined;
    // One pass over the article's terms, each looked up once (not once per topic); what each matched term
    // gave each topic is kept for the evidence.
    const scores = new Float64Array(topics.length);
    const matched = new Uint16Array(topics.length);
    const fromLabel = new Uint8Array(topics.length);
    const given: Array<[term: string, topic: number, contribution: number]> = [];
    for (const [term, count] of counts) {
      const entry = terms.get(term);
      if (!entry) continue;
      const weight = Math.log1p(count);
      for (let k = 0; k < entry.length; k += 3) {
        const t = entry[k] as number;
        const contribution = (entry[k + 1] as number) * weight;
        scores[t] = (scores[t] as number) + contribution;
        matched[t] = (matched[t] as number) + 1;
        if (entry[k + 2]) fromLabel[t] = 1;
        given.push([term, t, contribution]);
      }
    }
    let best = -1;
    let total = 0;
    for (let t = 0; t < topics.length; t++) {
      if ((matched[t] as number) < MIN_EVIDENCE_TERMS && !fromLabel[t]) continue;
      const score = (scores[t] as number) / (topics[t] as { profile: Profile }).profile.norm;
      scores[t] = score;
      total += score;
      if (best === -1 || score > (scores[best] as number)) best = t;
    }
    if (best === -1 || total <= 0) return undefined;
    const { concept } = topics[best] as { concept: IptcConcept };
    // Evidence: the article's single stems (a pair "armed conflict" repeats its words) that weighed most.
    const evidence: Array<[string, number]> = [];
    for (const [term, t, contribution] of given) if (t === best && !term.includes(' ')) evidence.push([term, contribution]);
    evidence.sort((a, b) => b[1] - a[1]);
    return { concept, share: (scores[best] as number) / total, terms: evidence.map(([term]) => term) };
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
