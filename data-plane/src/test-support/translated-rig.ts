import type { KeyConfig, ModelConfig } from '@tollgate/schema';
import { startAnthropicStandIn, STAND_IN_API_KEY as ANTHROPIC_KEY, type AnthropicStandIn } from '../../../test/stand-ins/anthropic/server.js';
import { BEDROCK_STAND_IN_CREDENTIALS, BEDROCK_STAND_IN_REGION, startBedrockStandIn, type BedrockStandIn } from '../../../test/stand-ins/bedrock/server.js';
import { GEMINI_STAND_IN_API_KEY, startGeminiStandIn, type GeminiStandIn } from '../../../test/stand-ins/gemini/server.js';
import { startOpenAiStandIn, STAND_IN_API_KEY as OPENAI_KEY, type OpenAiStandIn } from '../../../test/stand-ins/openai/server.js';
import { startTestDataPlane, type TestDataPlane } from './data-plane.js';
import { fixtureSnapshot, model } from './fixtures.js';

/** Bedrock credentials for the stand-in, as a deployment's references. */
export const BEDROCK_STAND_IN_AWS = { region: BEDROCK_STAND_IN_REGION, awsAccessKeyIdRef: 'env:TG_RIG_AWS_KEY_ID', awsSecretAccessKeyRef: 'env:TG_RIG_AWS_SECRET' } as const;

/**
 * A data plane with one translated deployment per provider stand-in, for testing a surface as its clients see it
 * with other providers behind: `<prefix>-anthropic` (Claude), `<prefix>-gemini` (Gemini 2.5 Flash), `<prefix>-bedrock`
 * (Claude on Converse), `<prefix>-compat` (a chat-only OpenAI-compatible server), plus the caller's own models (given
 * the stand-ins) and keys.
 */
export interface TranslatedRig {
  readonly t: TestDataPlane;
  readonly anthropic: AnthropicStandIn;
  readonly gemini: GeminiStandIn;
  readonly bedrock: BedrockStandIn;
  readonly compat: OpenAiStandIn;
  close(): Promise<void>;
}

export interface TranslatedRigOptions {
  readonly models?: (standIns: Omit<TranslatedRig, 't' | 'close'>) => ModelConfig[];
  readonly keys?: readonly KeyConfig[];
}

export async function startTranslatedRig(prefix: string, options: TranslatedRigOptions = {}): Promise<TranslatedRig> {
  Object.assign(process.env, {
    TG_RIG_OPENAI_KEY: OPENAI_KEY,
    TG_RIG_ANTHROPIC_KEY: ANTHROPIC_KEY,
    TG_RIG_GEMINI_KEY: GEMINI_STAND_IN_API_KEY,
    TG_RIG_AWS_KEY_ID: BEDROCK_STAND_IN_CREDENTIALS.accessKeyId,
    TG_RIG_AWS_SECRET: BEDROCK_STAND_IN_CREDENTIALS.secretAccessKey,
  });
  const [anthropic, gemini, bedrock, compat] = await Promise.all([startAnthropicStandIn(), startGeminiStandIn(), startBedrockStandIn(), startOpenAiStandIn({ apiKey: null })]);
  const standIns = { anthropic, gemini, bedrock, compat };
  const snapshot = fixtureSnapshot();
  snapshot.models.push(
    model({ id: `${prefix}-1`, name: `${prefix}-anthropic`, provider: 'anthropic', providerModel: 'claude-sonnet-4-5', apiBase: anthropic.url, apiKeyRef: 'env:TG_RIG_ANTHROPIC_KEY' }),
    model({ id: `${prefix}-2`, name: `${prefix}-gemini`, provider: 'gemini', providerModel: 'gemini-2.5-flash', apiBase: gemini.url, apiKeyRef: 'env:TG_RIG_GEMINI_KEY' }),
    model({ id: `${prefix}-3`, name: `${prefix}-bedrock`, provider: 'bedrock', providerModel: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', apiBase: bedrock.url, ...BEDROCK_STAND_IN_AWS }),
    model({ id: `${prefix}-4`, name: `${prefix}-compat`, provider: 'openai_compatible', providerModel: 'qwen3', apiBase: compat.url }),
    ...(options.models?.(standIns) ?? []),
  );
  snapshot.keys.push(...(options.keys ?? []));
  const t = await startTestDataPlane({ snapshot });
  return {
    t,
    ...standIns,
    async close() {
      await t.close();
      await Promise.all([anthropic.close(), gemini.close(), bedrock.close(), compat.close()]);
    },
  };
}
