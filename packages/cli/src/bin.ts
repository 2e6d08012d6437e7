/** The `syndicate` command's entry point, compiled to dist/syndicate.js (bin/syndicate.js runs it). */
import { runCli } from './main.js';

// `syndicate enrich --jsonl < big.jsonl | head -1`: the reader has all it wanted, so stop quietly and
// successfully instead of dying on the write that found the pipe closed.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2));
