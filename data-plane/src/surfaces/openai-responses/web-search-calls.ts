import type { ReportedUsage } from '../forward/forwarder.js';
import { items, record } from '../forward/output.js';

const WEB_SEARCH_CALL = Buffer.from('"web_search_call"');
const FILE_SEARCH_CALL = Buffer.from('"file_search_call"');

/**
 * The usage with the calls of OpenAI's built-in tools that are billed per call on top of tokens, made for a response:
 * its web searches (`web_search`, `web_search_preview`: `web_search_call` output items) and file searches
 * (`file_search`: `file_search_call` items, each a call whatever its queries).
 *
 * Web search: "search actions incur a tool call cost": a call that opened a page or searched within one (`open_page`,
 * `find_in_page`) is not counted; a call that reports no action is, so an unknown one is never left unbilled.
 * `searchTool` is the web search tool that made them, when the request says (`searchToolOf`): the legacy
 * `web_search_preview` costs more on some models (the pricing table's `searchTool`).
 *
 * `output` reads the response's `output` from the parsed object (a whole answer, or the terminal event's response,
 * which holds every item): it is called only when the bytes mention such an item type (a string's `\"` never
 * matches), so an answer without one costs two byte searches, and no event of a stream is parsed for it.
 * @see https://developers.openai.com/api/docs/guides/tools-web-search
 * @see https://developers.openai.com/api/docs/guides/tools-file-search
 * @see https://developers.openai.com/api/docs/pricing#built-in-tools
 */
export function withToolCalls(usage: ReportedUsage | undefined, bytes: Buffer, output: () => unknown, searchTool?: string): ReportedUsage | undefined {
  if (usage === undefined) return usage;
  const webMentioned = bytes.indexOf(WEB_SEARCH_CALL) !== -1;
  const fileMentioned = bytes.indexOf(FILE_SEARCH_CALL) !== -1;
  if (!webMentioned && !fileMentioned) return usage;
  const searches = webMentioned ? webSearchCalls(output()) : 0;
  const files = fileMentioned ? fileSearchCalls(output()) : 0;
  if (searches === 0 && files === 0) return usage;
  return {
    ...usage,
    ...(searches > 0 && { webSearches: searches }),
    ...(files > 0 && { fileSearches: files }),
    ...(searches > 0 && searchTool !== undefined && { modifiers: { ...usage.modifiers, searchTool } }),
  };
}

/** The calls of the file search tool among a response's output items. */
export function fileSearchCalls(output: unknown): number {
  let calls = 0;
  for (const value of items(output)) if (record(value)?.type === 'file_search_call') calls++;
  return calls;
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
