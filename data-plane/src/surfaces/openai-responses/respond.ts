import type { FinalUsage } from '../../pipeline/accounting.js';
import type { CollectedBlock, CollectedResponse } from '../collect.js';
import { carryRedacted } from '../reasoning-carry.js';
import type { ResponseMeta } from '../types.js';
import { customInput } from './custom-tools.js';
import type { ParsedResponsesRequest } from './request.js';
import { ending, reasoningItem, responseObject, ResponseIds, responsesUsage, type ItemStatus, type OutputItem, type ResponseObject } from './response-object.js';

/**
 * A non-streamed answer: each collected block becomes one output item, in order (reasoning → `reasoning`, text →
 * `message`, tool call → `function_call`, or `custom_tool_call` for a custom tool), with the same ids and statuses a
 * streamed answer ends with.
 */
export function respond(response: CollectedResponse, meta: ResponseMeta, parsed: ParsedResponsesRequest, usage: FinalUsage): ResponseObject {
  const ids = new ResponseIds(meta.requestId);
  const end = ending(response.finishReason.unified, response.finishReason.raw);
  const blocks = response.blocks;
  const output = blocks.map((block, i) => outputItem(block, ids, i, i === blocks.length - 1 ? end.lastItemStatus : 'completed', meta, parsed));
  if (end.status !== 'failed') meta.keepItems?.(output);
  return responseObject({
    id: ids.response,
    meta,
    echo: parsed.echo,
    status: end.status,
    output,
    usage: responsesUsage(usage),
    error: end.error,
    incomplete: end.incomplete,
  });
}

function outputItem(block: CollectedBlock, ids: ResponseIds, index: number, status: ItemStatus, meta: ResponseMeta, parsed: ParsedResponsesRequest): OutputItem {
  switch (block.type) {
    case 'text':
      return {
        id: ids.item('message', index),
        type: 'message',
        status,
        content: [{ type: 'output_text', annotations: [], logprobs: [], text: block.text }],
        role: 'assistant',
      };
    case 'reasoning':
      return reasoningItem(ids.item('reasoning', index), block.text, block.signature, meta.provider, parsed.reasoningSummaries);
    case 'redacted-reasoning':
      return { id: ids.item('reasoning', index), type: 'reasoning', summary: [], encrypted_content: carryRedacted(block.data, meta.provider) };
    case 'tool-call':
      if (parsed.customTools.has(block.name)) {
        return { id: ids.item('custom_tool_call', index), type: 'custom_tool_call', status, call_id: block.id, input: customInput(block.arguments), name: block.name };
      }
      return { id: ids.item('function_call', index), type: 'function_call', status, arguments: block.arguments, call_id: block.id, name: block.name };
  }
}
