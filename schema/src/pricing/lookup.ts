import type { ProviderKind } from '../config.js';
import { PRICING_TABLE, type DeploymentModifier, type PricedProvider, type TableEntry } from './table.js';

/** Which table a provider kind's deployments are priced from; kinds without one (mock, OpenAI-compatible servers) have none. */
const TABLE_OF: Partial<Record<ProviderKind, PricedProvider>> = {
  openai: 'openai',
  // Azure OpenAI's global-standard prices follow OpenAI's; a deployment whose name is not the model's finds nothing.
  azure: 'openai',
  anthropic: 'anthropic',
  gemini: 'gemini',
  bedrock: 'bedrock',
};

const BY_KEY = new Map<string, TableEntry>(PRICING_TABLE.map((e) => [`${e.provider}:${e.model}`, e]));

/**
 * The table's list price for a deployment's upstream model id, or undefined when the table has none. The id is
 * tried as given (lower-cased), then normalised the way each provider names versions of one model:
 * - OpenAI / Azure: a snapshot date (`gpt-4o-2024-08-06` → `gpt-4o`); a snapshot priced apart from its model
 *   (`gpt-4o-2024-05-13`) has its own entry, found first.
 * - Anthropic: a date or `-latest` (`claude-sonnet-4-5-20250929`, `claude-3-5-haiku-latest`), and the `-0` of
 *   `claude-sonnet-4-0`.
 * - Gemini: `models/` and a version (`models/gemini-2.0-flash-001`, `-latest`). Previews are not folded into their
 *   model: some were priced differently.
 * - Bedrock: an ARN path, an inference-profile prefix (`us.`, `eu.`, `apac.`, `global.`, …), a context-size variant
 *   (`:48k`), the model version (`-v1:0`, `-v2:0`, `-v1`) and a date.
 */
export function tablePrice(provider: ProviderKind, providerModel: string): TableEntry | undefined {
  const table = TABLE_OF[provider];
  if (table === undefined) return undefined;
  for (const id of candidates(table, providerModel.trim().toLowerCase())) {
    const entry = BY_KEY.get(`${table}:${id}`);
    if (entry !== undefined) return entry;
  }
  return undefined;
}

function candidates(table: PricedProvider, id: string): string[] {
  switch (table) {
    case 'openai':
      return [id, id.replace(/-\d{4}-\d{2}-\d{2}$/, '')];
    case 'anthropic': {
      const undated = id.replace(/-(\d{8}|latest)$/, '');
      return [id, undated, undated.replace(/-0$/, '')];
    }
    case 'gemini': {
      const bare = id.replace(/^models\//, '');
      return [bare, bare.replace(/-(\d{3}|latest)$/, '')];
    }
    case 'bedrock': {
      const base = id
        // arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.… (or …::foundation-model/…)
        .replace(/^arn:aws[\w-]*:bedrock:[^/]*\//, '')
        .replace(/^(us|eu|apac|au|jp|ca|us-gov|global)\./, '')
        .replace(/:\d+k$/, '');
      const unversioned = base.replace(/-v\d+(:\d+)?$/, '');
      return [base, unversioned, unversioned.replace(/-\d{8}$/, '')];
    }
  }
}

/**
 * What a deployment's upstream id says of its price (`DeploymentModifier`): on Bedrock, its `endpoint`, `global` for a
 * global cross-region inference profile (`global.anthropic.…`, or such a profile's ARN), else `regional` (a model id
 * served in its region, or a geographic profile: `us.`, `eu.`, `apac.`, `jp.`, …). An application inference profile's
 * ARN names neither (nor a model the table knows). Other providers: nothing.
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/cross-region-inference.html
 */
export function deploymentModifiers(provider: ProviderKind, providerModel: string): Readonly<Partial<Record<DeploymentModifier, string>>> {
  if (TABLE_OF[provider] !== 'bedrock') return {};
  const id = providerModel.trim().toLowerCase();
  if (id.includes(':application-inference-profile/')) return {};
  const bare = id.replace(/^arn:aws[\w-]*:bedrock:[^/]*\//, '');
  return { endpoint: bare.startsWith('global.') ? 'global' : 'regional' };
}
