/**
 * Google's error bodies (google.rpc.Status as JSON), as the Gemini API sends them.
 * @see https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes
 */
export const STATUS_BY_CODE: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export function defaultMessage(status: number): string {
  switch (status) {
    case 429:
      return 'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.';
    case 503:
      return 'The model is overloaded. Please try again later.';
    case 500:
      return 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting';
    default:
      return 'Request contains an invalid argument.';
  }
}

export function rateLimitDetails(retryAfter: string | undefined): object[] {
  const details: object[] = [
    {
      '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
      violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier', quotaValue: '10' }],
    },
    { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] },
  ];
  // Gemini sends no retry-after header: the wait is a RetryInfo detail, a protobuf duration.
  if (retryAfter !== undefined && Number.isFinite(Number(retryAfter))) details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${Number(retryAfter)}s` });
  return details;
}

export function errorBody(code: number, message: string, status?: string, details?: object[]): object {
  return { error: { code, message, status: status ?? STATUS_BY_CODE[code] ?? 'UNKNOWN', ...(details && { details }) } };
}
