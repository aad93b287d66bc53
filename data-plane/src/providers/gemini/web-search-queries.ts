import type { GeminiResponse } from './response-schema.js';

/**
 * The Google Search queries a response ran (grounding with Google Search, the `google_search` tool), which Google
 * bills on top of tokens: per query on Gemini 3, per grounded prompt (a response that searched at all) before it; the
 * pricing table says which. Each candidate lists its queries in `groundingMetadata.webSearchQueries`, which a stream
 * may repeat or spread over its records: they are collected per candidate as a set (Google counts unique queries),
 * without the empty ones, which it does not bill.
 * @see https://ai.google.dev/gemini-api/docs/google-search
 * @see https://ai.google.dev/api/generate-content#GroundingMetadata
 */
export class WebSearchQueries {
  private readonly byCandidate = new Map<number, Set<string>>();

  /** Notes the queries of one response record. */
  add(response: GeminiResponse): void {
    for (const candidate of response.candidates ?? []) {
      const queries = candidate.groundingMetadata?.webSearchQueries;
      if (queries === undefined || queries.length === 0) continue;
      // proto3 JSON leaves out an index of 0.
      const index = candidate.index ?? 0;
      let seen = this.byCandidate.get(index);
      if (seen === undefined) this.byCandidate.set(index, (seen = new Set()));
      for (const query of queries) if (query !== '') seen.add(query);
    }
  }

  /** The queries run so far, every candidate's. */
  get count(): number {
    let n = 0;
    for (const queries of this.byCandidate.values()) n += queries.size;
    return n;
  }
}
