import type { ProviderKind } from '@tollgate/schema';
import { anthropicProvider } from './anthropic/index.js';
import { azureProvider } from './azure/index.js';
import { bedrockProvider } from './bedrock/index.js';
import { geminiProvider } from './gemini/index.js';
import { mockProvider } from './mock/index.js';
import { openAiCompatibleProvider } from './openai-compatible/index.js';
import { openaiProvider } from './openai/index.js';
import type { Provider } from './types.js';

/** Maps a model's provider kind to its adapter, so generic code never names a provider. */
export class ProviderRegistry {
  private readonly providers = new Map<ProviderKind, Provider>();

  constructor(providers: Iterable<Provider>) {
    for (const p of providers) this.providers.set(p.kind, p);
  }

  get(kind: ProviderKind): Provider | undefined {
    return this.providers.get(kind);
  }

  kinds(): ProviderKind[] {
    return [...this.providers.keys()];
  }
}

/** The adapters built into this release. */
export function builtInProviders(): ProviderRegistry {
  return new ProviderRegistry([
    mockProvider(),
    openaiProvider(),
    azureProvider(),
    openAiCompatibleProvider(),
    anthropicProvider(),
    geminiProvider(),
    bedrockProvider(),
  ]);
}
