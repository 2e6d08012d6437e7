#!/usr/bin/env node
// The `syndicate` command. The CLI is TypeScript run through tsx, so it works straight from a clone.
import { register } from 'tsx/esm/api';

// `syndicate enrich --jsonl < big.jsonl | head -1`: the reader has all it wanted, so stop quietly and
// successfully instead of dying on the write that found the pipe closed.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

register();
const { runCli } = await import('@syndicate/cli');
process.exitCode = await runCli(process.argv.slice(2));
