/** `npm run bench:feeds`: rendering against the `feed` package, serving against bare node:http. */
import { renderBenchmark } from './feeds-render.js';
import { serverBenchmark } from './feeds-server.js';

console.log(`Node ${process.version}, ${new Date().toISOString()}\n`);
console.log(renderBenchmark());
console.log();
console.log(await serverBenchmark());
