import { HttpError } from '../../http/errors.js';

/** The model's provider has no `embed` capability (a chat-only provider, or one whose adapter lacks embeddings). */
export function embeddingsNotSupported(model: string, provider: string): HttpError {
  return new HttpError(
    400,
    'invalid_request_error',
    'embeddings_not_supported',
    `The model '${model}' is served by provider '${provider}', which does not support embeddings.`,
    'model',
  );
}

/** The provider answered, but not with one vector per input: nothing trustworthy to return. */
export function wrongVectorCount(provider: string, vectors: number, inputs: number): HttpError {
  return new HttpError(502, 'api_error', 'upstream_error', `${provider}: ${vectors} embeddings for ${inputs} inputs`);
}
