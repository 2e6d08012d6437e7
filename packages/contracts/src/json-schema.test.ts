import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonSchemas } from './json-schema.js';

describe('exported JSON Schemas', () => {
  it('are committed and match the zod schemas (run `npm run schemas -w @syndicate/contracts` after a change)', () => {
    for (const [name, schema] of Object.entries(jsonSchemas())) {
      const file = join(import.meta.dirname, '..', 'schemas', `${name}.schema.json`);
      expect(JSON.parse(readFileSync(file, 'utf8')), name).toEqual(JSON.parse(JSON.stringify(schema)));
    }
  });
});
