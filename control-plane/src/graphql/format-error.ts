import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { isAppError } from '../errors.js';
import { errorMessage, type Logger } from '../logger.js';

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
  logger.error('unexpected error in a GraphQL operation', { path: formatted.path?.join('.'), error: errorMessage(original) });
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
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
