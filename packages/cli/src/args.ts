import { parseArgs } from 'node:util';
import { UsageError } from './io.js';

/** A flag of a command: what node:util parseArgs needs, plus what `--help` prints. */
export interface Flag {
  type: 'string' | 'boolean';
  default?: string;
  value?: string; // the placeholder in help, e.g. `URL`
  description: string;
}

type Values<F extends Record<string, Flag>> = {
  [K in keyof F]: F[K] extends { type: 'boolean' } ? boolean | undefined : F[K] extends { default: string } ? string : string | undefined;
};

export interface Command {
  name: string;
  usage: string; // after `syndicate `
  summary: string; // one line, for `syndicate --help`
  description?: string;
  flags: Record<string, Flag>;
  examples: string[];
  run(args: string[]): Promise<number>;
}

/** A command whose `run` gets its flags typed from `flags`, parsed strictly: an unknown flag is a UsageError. */
export function command<F extends Record<string, Flag>>(spec: {
  name: string;
  usage: string;
  summary: string;
  description?: string;
  flags: F;
  positionals?: boolean;
  examples: string[];
  run(values: Values<F>, positionals: string[]): Promise<number> | number;
}): Command {
  return {
    ...spec,
    async run(args) {
      const { values, positionals } = parseStrict(spec.name, args, spec.flags, spec.positionals ?? false);
      return spec.run(values as Values<F>, positionals);
    },
  };
}

function parseStrict(name: string, args: string[], flags: Record<string, Flag>, allowPositionals: boolean) {
  const options = Object.fromEntries(
    Object.entries(flags).map(([flag, f]) => [
      flag,
      f.type === 'string' && f.default !== undefined ? { type: f.type, default: f.default } : { type: f.type },
    ]),
  );
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(`${parseArgsReason(error)} for ${name}; see syndicate ${name} --help`);
  }
}

/** parseArgs's errors carry the flag only inside their message; this keeps the reason to a few words. */
function parseArgsReason(error: unknown): string {
  const { code, message } = error as { code?: string; message: string };
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${quoted}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${quoted}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return message.includes('argument missing') ? `${quoted.split(' ')[0]} needs a value` : `${quoted} takes no value`;
    default:
      throw error;
  }
}

/** `--help` or `-h` before any `--`: asks for help whatever else was given. */
export function wantsHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  const flags = end === -1 ? args : args.slice(0, end);
  return flags.includes('--help') || flags.includes('-h');
}

export function commandHelp(c: Command): string {
  const rows: Array<[string, string]> = Object.entries(c.flags).map(([flag, f]) => [
    `--${flag}${f.value ? ` ${f.value}` : ''}`,
    f.default === undefined ? f.description : `${f.description} (default ${f.default})`,
  ]);
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return [
    `usage: syndicate ${c.usage}`,
    '',
    c.description ?? c.summary,
    '',
    'flags:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
    '',
    c.examples.length === 1 ? 'example:' : 'examples:',
    ...c.examples.map((e) => `  ${e}`),
  ].join('\n');
}

export function rootHelp(commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.usage.length)) + 2;
  return [
    'usage: syndicate <command> [flags]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.usage.padEnd(width)}${c.summary}`),
    '',
    'flags:',
    '  -h, --help     show this help; `syndicate <command> --help` for a command',
    '  --version      print the version',
    '',
    'FILE is a saved article page, a plain-text article (headline on the first line) or a JSON event.',
  ].join('\n');
}
