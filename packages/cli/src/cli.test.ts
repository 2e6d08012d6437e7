import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
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

// Each run starts a Node process (the compiled CLI); allow for a slow shared machine.
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

  it('publish sends the files in batches and reports each file in order, with exit code 1 if any was rejected', async () => {
    const requests: Array<{ path: string; ids: string[] }> = [];
    // A stand-in for the API: each article accepted, but the one headed "Rejected" refused.
    const api = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const { articles } = JSON.parse(Buffer.concat(chunks).toString()) as { articles: Array<{ id: string; headline: string }> };
        requests.push({ path: req.url ?? '', ids: articles.map((a) => a.id) });
        const results = articles.map((a, n) =>
          a.headline === 'Rejected'
            ? { status: 400, error: 'invalid_request', message: 'not this one' }
            : { status: n === 0 ? 200 : 202, id: a.id, version: 1, type: 'article.published', ...(n === 0 ? { unchanged: true } : {}) },
        );
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results }));
      });
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    try {
      const dir = tmpdir();
      const file = (name: string, text: string) => {
        const path = join(dir, `${name}-${process.pid}.txt`);
        writeFileSync(path, text);
        return path;
      };
      const files = [
        file('first', 'First story\n\nIt happened.'),
        file('junk', ''),
        file('second', 'Rejected\n\nIt did not.'),
        file('third', 'Third story\n\nIt happened too.'),
      ];
      const { port } = api.address() as { port: number };
      const { code, stdout } = await syndicate(['publish', '--api', `http://127.0.0.1:${port}`, '--batch-size', '2', ...files], undefined, {
        SYNDICATE_ADMIN_TOKEN: 'some-token',
      });
      expect(code).toBe(1);
      expect(requests.map((r) => [r.path, r.ids.length])).toEqual([
        ['/v1/articles/batch', 2],
        ['/v1/articles/batch', 1],
      ]);
      const lines = stdout.trim().split('\n');
      expect(lines[0]).toBe('accepted 2, rejected 2');
      expect(lines.slice(1).map((l) => l.trim().split(' ')[0])).toEqual(['accepted', 'rejected', 'rejected', 'accepted']);
      expect(lines[1]).toMatch(/first-\d+\.txt: art-\w+ v1 \(unchanged\)$/);
      expect(lines[3]).toContain('HTTP 400: not this one');
    } finally {
      await new Promise((resolve) => api.close(resolve));
    }
  }, 20_000);

  it('publish says how many were rejected and why, and exits non-zero', async () => {
    const { code, stdout } = await syndicate(['publish', '--api', 'http://127.0.0.1:9', SEED], undefined, {
      SYNDICATE_ADMIN_TOKEN: 'some-token',
    });
    expect(code).toBe(1);
    expect(stdout).toContain('accepted 0, rejected 1');
    expect(stdout).toContain('cannot reach');
  }, 20_000);
});

describe('the syndicate command as a person meets it', { timeout: 20_000 }, () => {
  it('--version prints the root package.json version', async () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const { code, stdout } = await syndicate(['--version']);
    expect(code).toBe(0);
    expect(stdout).toBe(`${version}\n`);
  });

  it('--help lists every command and says where the per-command help is', async () => {
    const { code, stdout } = await syndicate(['--help']);
    expect(code).toBe(0);
    for (const name of ['parse', 'enrich', 'feed', 'publish', 'replay']) expect(stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(stdout).toContain('syndicate <command> --help');
  });

  it('<command> --help gives the usage, each flag with a description, and an example', async () => {
    const { code, stdout } = await syndicate(['publish', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: syndicate publish /);
    expect(stdout).toMatch(/^ {2}--api URL +\S/m);
    expect(stdout).toMatch(/^ {2}--batch-size N +\S.*\(default 100\)$/m);
    expect(stdout).toMatch(/example:\n {2}syndicate publish /);
    // Help wins over anything else given, and `syndicate help <command>` says the same.
    expect((await syndicate(['publish', '--bogus', '-h'])).stdout).toBe(stdout);
    expect((await syndicate(['help', 'publish'])).stdout).toBe(stdout);
    for (const name of ['parse', 'enrich', 'feed', 'replay']) {
      const help = await syndicate([name, '--help']);
      expect(help.code, name).toBe(0);
      expect(help.stdout, name).toMatch(new RegExp(`^usage: syndicate ${name}[\\s\\S]*flags:[\\s\\S]*example`));
    }
  }, 30_000);

  it('an unknown flag, command or argument is one line on stderr and exit code 2', async () => {
    const cases: Array<[string[], string]> = [
      [['publish', '--bogus'], 'syndicate: unknown flag --bogus for publish; see syndicate publish --help\n'],
      [['enrich', '-x', SEED], 'syndicate: unknown flag -x for enrich; see syndicate enrich --help\n'],
      [['replay', 'extra'], 'syndicate: unexpected argument extra for replay; see syndicate replay --help\n'],
      [['publish', '--api'], 'syndicate: --api needs a value for publish; see syndicate publish --help\n'],
      [['frobnicate'], 'syndicate: unknown command frobnicate; see syndicate --help\n'],
      [['--bogus'], 'syndicate: unknown flag --bogus; see syndicate --help\n'],
    ];
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = await syndicate(args, '');
      expect(code, args.join(' ')).toBe(2);
      expect(stderr, args.join(' ')).toBe(message);
      expect(stdout, args.join(' ')).toBe('');
    }
  }, 30_000);

  it('stops quietly with exit code 0 when the reader closes the pipe (| head)', async () => {
    const child = spawn(process.execPath, [join(root, 'bin', 'syndicate.js'), 'enrich', '--jsonl'], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.stdin.on('error', () => {}); // the child is gone before all the input went in: expected
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const line = `${JSON.stringify({ id: 'a', text: 'Officials in Lisbon met Pedro Alves on Monday.' })}\n`;
    const chunk = line.repeat(200);
    // Keep input coming, as from a big file, until the child stops.
    let running = true;
    const feed = async () => {
      while (running && child.stdin.writable) {
        if (!child.stdin.write(chunk)) await new Promise((resolve) => child.stdin.once('drain', resolve));
      }
    };
    void feed();
    // Like `head -c 100`: read a few bytes, then close the pipe.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await exited;
    running = false;
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(code).toBe(0);
  });
});
