import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { iptcVocabulary } from '@syndicate/enrichment/iptc';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const SEED = join(root, '..', 'shared', 'seeds', '000_6082e137c817fc36.txt');

/** Runs the real `syndicate` bin, as `npx syndicate` does. */
async function syndicate(args: string[], stdin?: string, env: Record<string, string> = {}) {
  const child = promisify(execFile)(process.execPath, [join(root, 'bin', 'syndicate.js'), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
  });
  if (stdin !== undefined) {
    child.child.stdin?.end(stdin);
  }
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Each run starts a Node process with tsx; allow for a slow shared machine.
describe('the syndicate command', { timeout: 20_000 }, () => {
  it('parses the seed page into an article.published event', async () => {
    const { code, stdout } = await syndicate(['parse', SEED]);
    expect(code).toBe(0);
    const event = JSON.parse(stdout);
    expect(event.type).toBe('article.published');
    expect(event.data).toMatchObject({ categories: ['World'], version: 1 });
    expect(event.data.images).toHaveLength(3);
  });

  it('enriches JSON lines with offsets into the given text, and reports a bad line without stopping', async () => {
    const input = `${JSON.stringify({ id: 'a', text: 'Officials in Lisbon met Pedro Alves on Monday.' })}\nnot json\n${JSON.stringify({ id: 'b', text: 'Rain fell.' })}\n`;
    const { code, stdout } = await syndicate(['enrich', '--jsonl'], input);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0].id).toBe('a');
    for (const entity of lines[0].entities) {
      for (const m of entity.mentions) expect('Officials in Lisbon met Pedro Alves on Monday.'.slice(m.start, m.end)).toBe(m.text);
    }
    expect(lines[1].error).toBeTruthy();
    expect(lines[2].id).toBe('b');
    expect(code).toBe(1);
  });

  it('enriches the seed article: each expected name once, typed right, and topics under conflict, war and peace', async () => {
    const { code, stdout } = await syndicate(['enrich', SEED]);
    expect(code).toBe(0);
    const { enrichment } = JSON.parse(stdout) as {
      enrichment: { entities: Array<{ name: string; type: string; mentions: Array<{ text: string }> }>; topics: Array<{ id: string }> };
    };
    const expected: Array<[string, string]> = [
      ['Volodymyr Zelenskyy', 'PERSON'],
      ['Andrii Yusov', 'PERSON'],
      ['SBU', 'ORGANIZATION'],
      ['National Intelligence Service', 'ORGANIZATION'],
      ['AFP', 'ORGANIZATION'],
      ['Associated Press', 'ORGANIZATION'],
      ...['Ukraine', 'Russia', 'North Korea', 'South Korea', 'Kursk', 'Kyiv', 'Seoul', 'Pyongyang', 'Moscow', 'Tuva', 'Mongolia'].map(
        (place) => [place, 'LOCATION'] as [string, string],
      ),
    ];
    for (const [name, type] of expected) {
      const matching = enrichment.entities.filter((e) => e.name === name || e.mentions.some((m) => m.text === name));
      expect(
        matching.map((e) => `${e.type}:${e.name}`),
        name,
      ).toHaveLength(1);
      expect(matching[0]?.type, name).toBe(type);
    }
    const best = enrichment.topics[0]?.id ?? '';
    expect([best, ...iptcVocabulary().broader(best)].at(-1)).toBe('medtop:16000000');
  });

  it('renders a feed from enriched lines, the same renderer the server uses', async () => {
    const enriched = await syndicate(['enrich', SEED]);
    const { code, stdout } = await syndicate(['feed', 'render', '--format', 'rss'], JSON.stringify(JSON.parse(enriched.stdout)));
    expect(code).toBe(0);
    expect(stdout).toContain('<rss version="2.0"');
    expect(stdout).toContain('Kursk');
  });

  it('ends bad input with a one-line reason and exit code 2', async () => {
    const junk = join(tmpdir(), `junk-${process.pid}.bin`);
    writeFileSync(junk, Buffer.from([0xff, 0xfe, 0x00, 0x41]));
    for (const args of [['parse', '/no/such/file'], ['parse', junk], ['frobnicate'], ['feed', 'render', '--format', 'gopher']]) {
      const { code, stderr } = await syndicate(args, '');
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toMatch(/^syndicate: /);
      expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  }, 30_000);

  it('publish refuses to run without a token', async () => {
    const { code, stderr } = await syndicate(['publish', SEED], undefined, { SYNDICATE_ADMIN_TOKEN: '' });
    expect(code).toBe(2);
    expect(stderr).toContain('SYNDICATE_ADMIN_TOKEN');
  });

  it('publish says how many were rejected and why, and exits non-zero', async () => {
    const { code, stdout } = await syndicate(['publish', '--api', 'http://127.0.0.1:9', SEED], undefined, {
      SYNDICATE_ADMIN_TOKEN: 'some-token',
    });
    expect(code).toBe(1);
    expect(stdout).toContain('accepted 0, rejected 1');
    expect(stdout).toContain('cannot reach');
  }, 20_000);
});
