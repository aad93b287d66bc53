/**
 * The user turn put first in a conversation a provider refuses for having none (a system prompt alone, which OpenAI
 * answers: Gemini's "contents is not specified", Anthropic's "at least one message is required"; Converse also wants
 * a user turn before an assistant's greeting): a single `.`, the placeholder LiteLLM sends for the same reason
 * (`litellm.modify_params`), which says nothing to the model.
 */
export const LEADING_USER_TEXT = '.';
