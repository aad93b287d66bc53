import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '../testing/harness.js';
import { formatError } from './format-error.js';

const formatted = { message: 'whatever the resolver threw', path: ['createKey'] };

/** An error as MikroORM's PostgreSQL driver raises it: the statement with its values, then PostgreSQL's message. */
function driverError(code: string, message: string): Error {
  return Object.assign(new Error(`insert into "virtual_key" ("hash") values ('4f1c0ffee-hash-of-a-key') - ${message}`), { code });
}

describe('formatError', () => {
  it('says the database is unavailable when PostgreSQL is out of reach, for the client to retry', () => {
    const logger = new MemoryLogger();
    for (const error of [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), driverError('57P01', 'terminating connection due to administrator command'), driverError('08006', 'connection failure')]) {
      expect(formatError(formatted, error, logger)).toEqual({ message: 'The database is unavailable; try again shortly.', path: ['createKey'], locations: undefined, extensions: { code: 'UNAVAILABLE' } });
    }
  });

  it('logs a database error without the statement, whose values may be secrets, and tells the client nothing of it', () => {
    const logger = new MemoryLogger();
    const answer = formatError(formatted, driverError('23514', 'new row violates check constraint "virtual_key_spend_check"'), logger);
    expect(answer).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    const logged = logger.lines.join('\n');
    expect(logged).toContain('violates check constraint');
    expect(logged).not.toContain('4f1c0ffee-hash-of-a-key');
  });
});
