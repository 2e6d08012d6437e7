import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** A CLI mistake: printed as `syndicate: <message>` with exit code 2, no stack trace. */
export class UsageError extends Error {}

export function readInputFile(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${path} is not valid UTF-8 text`);
  }
}

/** Non-empty lines of stdin, one at a time, with their line numbers. */
export async function* stdinLines(): AsyncGenerator<{ line: string; number: number }> {
  let number = 0;
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY })) {
    number++;
    if (line.trim() !== '') yield { line, number };
  }
}

export const printJson = (value: unknown, pretty = true) =>
  process.stdout.write(`${JSON.stringify(value, null, pretty ? 2 : undefined)}\n`);
