#!/usr/bin/env node
// The `syndicate` command. The CLI is TypeScript run through tsx, so it works straight from a clone.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('@syndicate/cli');
process.exitCode = await runCli(process.argv.slice(2));
