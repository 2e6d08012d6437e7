import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';

export type LuaArg = string | number | Buffer;

/**
 * The slot-deciding part of a key: the text between the first `{` and the next `}` when not empty, else the whole
 * key (Redis Cluster's rule). Keys with the same tag are in the same slot, so one script may touch them all.
 */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

/**
 * A Lua script with its keys declared. The text opens with a comment naming them, which is what `run` checks
 * calls against:
 *
 *     -- KEYS: item memberships feed...
 *     -- KEYS: (version digest in-flight)...
 *
 * (a last name ending in `...` may repeat, zero or more times; a last group in parentheses repeats as a whole).
 * Every key a script touches comes in KEYS, and all of one call's keys share a hash tag, so the script is whole on
 * one Redis Cluster slot; the script never makes a key name out of ARGV. An `-- ARGV:` line beside it documents
 * the arguments.
 */
export class LuaScript<Result = unknown> {
  /** The keys every call gives, in order. */
  readonly keyNames: readonly string[];
  /** The keys that repeat after them, as a group (empty: none repeat). */
  readonly repeating: readonly string[];
  /** What EVALSHA names it by. */
  readonly sha: string;

  constructor(
    /** Where the script came from, for errors. */
    readonly name: string,
    readonly lua: string,
  ) {
    const declared = /^--\s*KEYS:(.*)$/m.exec(lua)?.[1]?.trim();
    if (!declared) throw new Error(`Lua script ${name} declares no keys: it must say "-- KEYS: name name…"`);
    const group = /^(.*?)\s*\(([^()]+)\)\.\.\.$/.exec(declared);
    const single = /^(.*?)\s*(\S+)\.\.\.$/.exec(declared);
    const [fixed, repeating] = group ? [group[1], group[2]] : single ? [single[1], single[2]] : [declared, ''];
    const names = (text = '') => text.split(/\s+/).filter(Boolean);
    this.keyNames = names(fixed);
    this.repeating = names(repeating);
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  /**
   * Runs the script on `redis`: EVALSHA, and EVAL (which also loads it) when Redis does not know the script yet or
   * any more (after a restart). Plain commands rather than ioredis' defineCommand, which an auto-pipelining
   * connection cannot take after its first command (its pipelines copy the commands defined when they were made).
   * Refuses keys that do not match the declaration or that are in more than one hash slot: a call that would fail
   * on a cluster fails everywhere, in tests first.
   */
  async run(redis: Redis, keys: readonly string[], args: readonly LuaArg[] = []): Promise<Result> {
    this.check(keys);
    try {
      return (await redis.evalsha(this.sha, keys.length, ...keys, ...args)) as Result;
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      return (await redis.eval(this.lua, keys.length, ...keys, ...args)) as Result;
    }
  }

  /** Throws unless `keys` fit the declaration and share one hash tag. */
  check(keys: readonly string[]): void {
    const fixed = this.keyNames.length;
    const group = this.repeating.length;
    const fits = group === 0 ? keys.length === fixed : keys.length >= fixed && (keys.length - fixed) % group === 0;
    if (!fits) {
      const declared = [...this.keyNames, ...(group === 0 ? [] : [`(${this.repeating.join(' ')})...`])].join(' ');
      throw new Error(`Lua script ${this.name} takes the keys ${declared}; given ${keys.length}`);
    }
    const tag = keys.length > 0 ? hashTag(keys[0] as string) : '';
    const apart = keys.find((key) => hashTag(key) !== tag);
    if (apart !== undefined) {
      throw new Error(`Lua script ${this.name} was given keys in different hash slots (${keys[0]}, ${apart}): tag them alike`);
    }
  }
}

const resolve = createRequire(import.meta.url).resolve;

/**
 * Loads a script from a package's `lua/` folder by its package path, e.g. `@syndicate/feed-store/lua/upsert.lua`
 * (the package's `exports` lists `"./lua/*"`). Resolved through the workspace links in node_modules, the way
 * the package itself is found, so it is the same file whether this code runs from `src/` (tsx, vitest) or from a
 * bundle in `dist/`. Read once, when the module that declares the script is loaded: a missing script stops a
 * service at start, not at its first use.
 */
export function luaScript<Result = unknown>(specifier: string): LuaScript<Result> {
  return new LuaScript<Result>(specifier, readFileSync(resolve(specifier), 'utf8'));
}
