import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { LIMIT_RULES } from '../../../control-plane/src/graphql/limits';
import * as operations from './operations';

/**
 * Every operation the dashboard sends is valid against the API's schema (the SDL the control plane emits) and within
 * the query limits it enforces (depth, and cost: a full page of 500 with every field the dashboard shows). A field
 * renamed on one side, or a page that grew past the limit, fails here rather than in a browser.
 */
// Run from the repository (every project) or from web/ (this one alone).
const sdl = ['schema/schema.graphql', '../schema/schema.graphql'].map((path) => resolve(process.cwd(), path)).find((path) => existsSync(path))!;
const schema = buildSchema(readFileSync(sdl, 'utf8'));
const documents = Object.entries(operations).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && /^\s*(query|mutation|subscription)\b/.test(entry[1]));

describe('dashboard operations', () => {
  it('are found', () => {
    expect(documents.map(([name]) => name)).toEqual(expect.arrayContaining(['KeyPageQuery', 'UpdateKeyMutation', 'RegenerateKeyMutation', 'ModelsQuery']));
  });

  it.each(documents)('%s is valid against the schema and within the query limits', (_name, source) => {
    expect(validate(schema, parse(source), [...specifiedRules, ...LIMIT_RULES]).map((error) => error.message)).toEqual([]);
  });
});
