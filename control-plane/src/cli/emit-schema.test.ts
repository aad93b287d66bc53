import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emitSchema, SCHEMA_FILE } from './emit-schema.js';

describe('schema/schema.graphql', () => {
  it('should equal the SDL the resolvers produce (run `npm run schema:emit` after changing the API)', async () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(await emitSchema());
  });
});
