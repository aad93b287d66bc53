import type { ReportedUsage } from '../forward/forwarder.js';
import { items, record } from '../forward/output.js';

const WEB_SEARCH_CALL = Buffer.from('"web_search_call"');

/**
 * The usage with the web searches OpenAI's built-in web search tool (`web_search`, `web_search_preview`) made for a
 * response, which OpenAI bills per call on top of tokens: its `web_search_call` output items. "Search actions incur a
 * tool call cost": a call that opened a page or searched within one (`open_page`, `find_in_page`) is not counted; a
 * call that reports no action is, so an unknown one is never left unbilled. `output` reads the response's `output`
 * from the parsed object (a whole answer, or the terminal event's response, which holds every item): it is called
 * only when the bytes mention a `web_search_call` (a string's `\"` never matches), so an answer without one costs a
 * byte search, and no event of a stream is parsed for it. `searchTool` is the tool that made them, when the request
 * says (`searchToolOf`): the legacy `web_search_preview` costs more on some models (the pricing table's `searchTool`).
 * @see https://developers.openai.com/api/docs/guides/tools-web-search
 * @see https://developers.openai.com/api/docs/pricing#built-in-tools
 */
export function withWebSearches(usage: ReportedUsage | undefined, bytes: Buffer, output: () => unknown, searchTool?: string): ReportedUsage | undefined {
  if (usage === undefined || bytes.indexOf(WEB_SEARCH_CALL) === -1) return usage;
  const searches = webSearchCalls(output());
  if (searches === 0) return usage;
  return { ...usage, webSearches: searches, ...(searchTool !== undefined && { modifiers: { ...usage.modifiers, searchTool } }) };
}

/** The billed web search calls among a response's output items. */
export function webSearchCalls(output: unknown): number {
  let calls = 0;
  for (const value of items(output)) {
    const item = record(value);
    if (item?.type !== 'web_search_call') continue;
    const action = record(item.action)?.type;
    if (action === undefined || action === 'search') calls++;
  }
  return calls;
}

/**
 * The web search tool a request's calls are made with, when it is not the current one: `web_search_preview` when that
 * (or a dated version of it, `web_search_preview_2025_03_11`) is the only web search tool the request offers. A call
 * item does not say which tool made it, so a request that offers both is billed as `web_search` (undefined), as is
 * one that offers none (a stored prompt's tools are not seen here).
 */
export function searchToolOf(tools: unknown): string | undefined {
  let preview = false;
  for (const value of items(tools)) {
    const type = record(value)?.type;
    if (typeof type !== 'string' || !type.startsWith('web_search')) continue;
    if (!type.startsWith('web_search_preview')) return undefined;
    preview = true;
  }
  return preview ? 'web_search_preview' : undefined;
}
