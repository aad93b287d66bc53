import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { databaseMessage, isAppError, unavailable } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * What leaves the process for an error. Our own errors (AppError) and GraphQL's (parse, validation, variable
 * coercion) go out as they are; anything else is an internal failure whose message might carry SQL or stack
 * details, so it is logged and replaced by a generic one.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, logger: Logger): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (isAppError(original)) {
    return { message: original.message, locations: formatted.locations, path: formatted.path, extensions: original.extensions };
  }
  if (original instanceof GraphQLError || !(original instanceof Error)) return withoutStacktrace(formatted);
  if (databaseUnavailable(original)) {
    logger.warn('the database is unavailable', { path: formatted.path?.join('.'), error: databaseMessage(original) });
    const { message, extensions } = unavailable('The database is unavailable; try again shortly.');
    return { message, locations: formatted.locations, path: formatted.path, extensions };
  }
  logger.error('unexpected error in a GraphQL operation', { path: formatted.path?.join('.'), error: databaseMessage(original) });
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

/**
 * PostgreSQL out of reach (refused, reset, shut down, restarting): nothing the caller did, and nothing was written
 * (the transaction rolled back); said as such, so a client or the dashboard can retry rather than report a bug.
 */
function databaseUnavailable(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return error.name === 'ConnectionException';
  // SQLSTATE class 08 (connection exception), 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now).
  return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03'].includes(code) || code.startsWith('08');
}


function withoutStacktrace(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (!formatted.extensions || !('stacktrace' in formatted.extensions)) return formatted;
  const { stacktrace: _stacktrace, ...extensions } = formatted.extensions;
  return { ...formatted, extensions };
}

/** The same rule for graphql-ws, which hands over GraphQLError instances instead of formatted ones. */
export function formatGraphQLErrors(errors: readonly GraphQLError[], logger: Logger): GraphQLFormattedError[] {
  return errors.map((error) => formatError(error.toJSON(), error, logger));
}
