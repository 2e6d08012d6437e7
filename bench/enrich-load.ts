/** Prints how many milliseconds `new Enricher()` takes in a fresh process (the import not counted): the model's load. */
import { Enricher } from '@syndicate/enrichment';

const started = performance.now();
new Enricher();
console.log((performance.now() - started).toFixed(1));
