import { defineProvider } from '../define-provider.js';
import { withClientToolNames } from '../tool-names.js';
import type { Provider } from '../types.js';
import { callGemini } from './call.js';
import { countGeminiTokens } from './count-tokens.js';
import { geminiToolNames } from './tool-names.js';
import { translateRequest } from './translate-request.js';
import type { GenerateContentRequest } from './wire.js';

/** The `gemini` provider: Google's Gemini API (generativelanguage.googleapis.com), REST with an API key. */
export function geminiProvider(): Provider {
  return defineProvider<GenerateContentRequest>({
    kind: 'gemini',
    translateRequest,
    call: (wire, call, request) => {
      // Tools whose names went rewritten (`translateRequest`) are called by the client's names in the answer.
      const events = callGemini(wire, call, request);
      const names = geminiToolNames(request);
      return names.shortened ? withClientToolNames(events, names) : events;
    },
    countTokens: countGeminiTokens,
  });
}
