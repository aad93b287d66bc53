import { errorMessage } from './logger.js';

/**
 * Errors the API reports to callers on purpose. Services throw these without knowing about GraphQL: graphql-js
 * copies `extensions` from the original error onto the GraphQL error, so `extensions.code` reaches the client
 * unchanged. Anything else thrown is an internal error and is masked before it leaves the process.
 */
/**
 * `UNAVAILABLE`: something the operation needs outside this process is not there (no data plane to run it, the
 * database out of reach).
 */
export type ErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'BAD_USER_INPUT' | 'NOT_FOUND' | 'CONFLICT' | 'UNAVAILABLE';

export type FieldErrors = Record<string, string[]>;

export class AppError extends Error {
  readonly extensions: { code: ErrorCode; fieldErrors?: FieldErrors };

  constructor(code: ErrorCode, message: string, fieldErrors?: FieldErrors) {
    super(message);
    this.name = 'AppError';
    this.extensions = fieldErrors ? { code, fieldErrors } : { code };
  }

  get code(): ErrorCode {
    return this.extensions.code;
  }
}

// One fixed message per authentication outcome: the text never says whether a credential or record exists.
export const unauthenticated = () => new AppError('UNAUTHENTICATED', 'A valid credential is required.');
export const forbidden = () => new AppError('FORBIDDEN', 'This credential may not perform this operation.');
export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found.`);
export const conflict = (message: string) => new AppError('CONFLICT', message);
export const unavailable = (message: string) => new AppError('UNAVAILABLE', message);
export const badUserInput = (fieldErrors: FieldErrors, message = 'Invalid input.') =>
  new AppError('BAD_USER_INPUT', message, fieldErrors);

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** Objects declared in tollgate.yaml belong to the file: the API shows them but does not change them. */
export function assertApiManaged(entity: { managedBy: string | null }, what: string): void {
  if (entity.managedBy === 'file') {
    throw new AppError('CONFLICT', `This ${what} is declared in the config file and can only be changed there.`);
  }
}

/**
 * A database error's own words, without the statement the driver puts before them (`<sql> - <message>`): the
 * statement carries the values bound to it, which have no place in a log or a rejection reason. Another error's
 * message is kept whole.
 */
export function databaseMessage(err: unknown): string {
  const message = errorMessage(err);
  if (typeof (err as { code?: unknown } | null)?.code !== 'string') return message;
  const at = message.lastIndexOf(' - ');
  return (at === -1 ? message : message.slice(at + 3)).trim();
}
