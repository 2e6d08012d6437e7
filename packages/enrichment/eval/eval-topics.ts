/**
 * `npm run eval:topics`: accuracy of the level-1 ancestor of the best topic on the BBC News dev set in
 * ../shared/data (business, entertainment, politics, sport and tech map to medtop 04, 01, 11, 15, 13).
 *
 * The shipped model is trained on all of that set, so scoring it there would flatter it: the figure reported
 * is 5-fold cross-validation (train on four fifths plus the IPTC vocabulary, test on the fifth), with the
 * same training code and settings as `npm run train:topics`.
 */
import { iptcVocabulary } from '../src/iptc.js';
import { TopicClassifier } from '../src/topics/classifier.js';
import { trainTopicModel } from '../src/topics/training.js';
import { BBC_DEV, BBC_TO_MEDTOP, readBbc } from './bbc.js';
import { DEEPER_TOPIC_SETS, scoreDeeperTopics } from './deeper-topics.js';

const FOLDS = 5;
const documents = readBbc(process.argv[2] ?? BBC_DEV);
const vocabulary = iptcVocabulary();
const perClass = new Map<string, { right: number; total: number }>();
let right = 0;
const started = performance.now();
for (let fold = 0; fold < FOLDS; fold++) {
  const model = trainTopicModel(
    documents.filter((_, i) => i % FOLDS !== fold),
    Object.values(BBC_TO_MEDTOP),
    vocabulary,
  );
  const classifier = new TopicClassifier(model, vocabulary);
  for (const [i, doc] of documents.entries()) {
    if (i % FOLDS !== fold) continue;
    const best = classifier.classify(doc.text, { limit: 1 })[0];
    const ok = best !== undefined && classifier.ancestry(best.id).at(-1)?.id === doc.label;
    const c = perClass.get(doc.bbcClass) ?? { right: 0, total: 0 };
    c.right += ok ? 1 : 0;
    c.total++;
    perClass.set(doc.bbcClass, c);
    right += ok ? 1 : 0;
  }
  process.stderr.write(`fold ${fold + 1}/${FOLDS} done (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
}
console.log(`\n### BBC News dev, ${FOLDS}-fold cross-validation (${documents.length} articles)\n`);
console.log('| class | accuracy | documents |');
console.log('| --- | --- | --- |');
for (const [label, c] of perClass) console.log(`| ${label} | ${(c.right / c.total).toFixed(3)} | ${c.total} |`);
console.log(`| all | ${(right / documents.length).toFixed(3)} | ${documents.length} |`);

const shipped = new TopicClassifier(undefined, vocabulary);
console.log('\n### Topics below level 1 (texts written for this project; the shipped model)\n');
console.log('| set | texts | level 1 right | a deeper topic given | level-2 topic accepted | accepted where level 1 is right |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const file of DEEPER_TOPIC_SETS) {
  const deeper = scoreDeeperTopics(shipped, vocabulary, file);
  const share = (n: number) => (n / deeper.texts).toFixed(3);
  const given = (deeper.rightGivenLevelOne / (deeper.levelOne || 1)).toFixed(3);
  console.log(
    `| ${file} | ${deeper.texts} | ${share(deeper.levelOne)} | ${share(deeper.answered)} | ${share(deeper.right)} | ${given} (${deeper.rightGivenLevelOne}/${deeper.levelOne}) |`,
  );
  if (process.env.SHOW_MISSES) for (const miss of deeper.misses) console.error(miss);
}
