import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashTag, LuaScript } from './lua.js';

const root = join(import.meta.dirname, '..', '..', '..');

describe('hashTag', () => {
  it('is the text between the first { and the next }, or the whole key (Redis Cluster’s rule)', () => {
    expect(hashTag('syndicate:{feeds}:item:a')).toBe('feeds');
    expect(hashTag('syndicate:feeds:item:a')).toBe('syndicate:feeds:item:a');
    expect(hashTag('a:{}:b')).toBe('a:{}:b'); // an empty tag does not count
    expect(hashTag('a:{x}:{y}')).toBe('x');
    expect(hashTag('a:{x')).toBe('a:{x');
  });
});

describe('LuaScript', () => {
  const fixed = new LuaScript('test:fixed', "-- KEYS: counter digest\n-- ARGV: value\nreturn redis.call('GET', KEYS[1])");
  const repeating = new LuaScript('test:repeating', '-- KEYS: log lists...\nreturn #KEYS');
  const groups = new LuaScript('test:groups', '-- KEYS: (version digest in-flight)...\nreturn #KEYS');

  it('reads the declared keys, and what repeats: a last name ending in ..., or a last group in parentheses', () => {
    expect(fixed.keyNames).toEqual(['counter', 'digest']);
    expect(fixed.repeating).toEqual([]);
    expect(repeating.keyNames).toEqual(['log']);
    expect(repeating.repeating).toEqual(['lists']);
    expect(groups.keyNames).toEqual([]);
    expect(groups.repeating).toEqual(['version', 'digest', 'in-flight']);
  });

  it('refuses a script that declares no keys', () => {
    expect(() => new LuaScript('test:bare', "return redis.call('GET', ARGV[1] .. ':x')")).toThrow(/declares no keys/);
  });

  it('refuses calls whose keys do not fit the declaration', () => {
    expect(() => fixed.check(['{a}:1'])).toThrow(/takes the keys counter digest; given 1/);
    expect(() => fixed.check(['{a}:1', '{a}:2', '{a}:3'])).toThrow(/given 3/);
    expect(() => repeating.check([])).toThrow(/log \(lists\)\.\.\./);
    expect(() => repeating.check(['{a}:log'])).not.toThrow();
    expect(() => repeating.check(['{a}:log', '{a}:1', '{a}:2'])).not.toThrow();
    expect(() => groups.check(['{a}:v', '{a}:d', '{a}:f', '{a}:v2', '{a}:d2', '{a}:f2'])).not.toThrow();
    expect(() => groups.check(['{a}:v', '{a}:d', '{a}:f', '{a}:v2'])).toThrow(/given 4/);
  });

  it('refuses keys in more than one hash slot, so a call that would fail on a cluster fails here too', () => {
    expect(() => fixed.check(['p:{feeds}:item:a', 'p:{feeds}:in:a'])).not.toThrow();
    expect(() => fixed.check(['p:feeds:item:a', 'p:feeds:in:a'])).toThrow(/different hash slots/);
    expect(() => fixed.check(['p:{feeds}:item:a', 'p:{websub}:live'])).toThrow(/different hash slots/);
  });
});

/** Every package's and service's `lua/` folder. */
function luaFiles(): string[] {
  return ['packages', 'services'].flatMap((group) =>
    readdirSync(join(root, group)).flatMap((name) => {
      const dir = join(root, group, name, 'lua');
      try {
        return readdirSync(dir)
          .filter((file) => file.endsWith('.lua'))
          .map((file) => join(dir, file));
      } catch {
        return [];
      }
    }),
  );
}

describe('the Lua scripts of the repository', () => {
  const files = luaFiles();

  it('are found (the scan looks where the scripts live)', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files.map((file) => [file.slice(root.length + 1), file]))('%s declares its keys and reads its keys only from KEYS', (_, file) => {
    const lua = readFileSync(file, 'utf8');
    const script = new LuaScript(file, lua);
    expect(script.keyNames.length + script.repeating.length).toBeGreaterThan(0);
    // A key made of an argument (`redis.call('GET', ARGV[1] .. …)`) would be invisible to a cluster's routing.
    expect(lua).not.toMatch(/redis\.call\(\s*'[A-Z]+'\s*,\s*ARGV/);
  });
});
