import { defineProvider } from '../define-provider.js';
import type { Provider } from '../types.js';
import { callGemini } from './call.js';
import { countGeminiTokens } from './count-tokens.js';
import { translateRequest } from './translate-request.js';
import type { GenerateContentRequest } from './wire.js';

/** The `gemini` provider: Google's Gemini API (generativelanguage.googleapis.com), REST with an API key. */
export function geminiProvider(): Provider {
  return defineProvider<GenerateContentRequest>({
    kind: 'gemini',
    translateRequest,
    call: callGemini,
    countTokens: countGeminiTokens,
  });
}
