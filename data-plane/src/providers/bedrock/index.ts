import { defineProvider } from '../define-provider.js';
import { withClientToolNames } from '../tool-names.js';
import type { Provider } from '../types.js';
import { callBedrock } from './call.js';
import { translateRequest, type BedrockWire } from './canonical-to-converse.js';
import { countBedrockTokens } from './count-tokens.js';
import { bedrockToolNames } from './tool-names.js';

/**
 * The `bedrock` provider: Amazon Bedrock Runtime's Converse API (ConverseStream when the client streams), signed
 * with SigV4 and decoded from the binary event stream without the AWS SDK.
 *
 * - `canonical-to-converse.ts`: the request mapping; `thinking.ts`: model-specific fields (Anthropic thinking);
 *   `tool-names.ts`: tool names as Converse takes them; `model-traits.ts`: what each model family takes (tools in
 *   ConverseStream, toolChoice).
 * - `api.ts`: endpoint, region, credentials; `sigv4.ts`: signing; `call.ts`: the HTTP call; `count-tokens.ts`:
 *   CountTokens, for Anthropic clients' `count_tokens`.
 * - `event-stream.ts` + `crc32.ts`: the binary framing; `converse-stream-to-canonical.ts` and
 *   `converse-to-canonical.ts`: responses to canonical events; `map-stop-reason.ts`, `convert-usage.ts`,
 *   `finish.ts`, `bedrock-error.ts`: the shared pieces of both.
 */
export function bedrockProvider(): Provider {
  return defineProvider<BedrockWire>({
    kind: 'bedrock',
    translateRequest,
    call: (wire, call, request) => {
      // Tools whose names went rewritten (`translateRequest`) are called by the client's names in the answer.
      const events = callBedrock(wire, call, request);
      const names = bedrockToolNames(request);
      return names.shortened ? withClientToolNames(events, names) : events;
    },
    countTokens: countBedrockTokens,
  });
}
