import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from './parse.js';

/** The README's two example files are valid as written, so the documentation cannot drift from the format. */
const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Declarative config'), readme.indexOf('## Configuration'));
const examples = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('the README examples', () => {
  it('should include one file of each format', () => {
    expect(examples).toHaveLength(2);
  });

  it('should parse the tollgate.yaml example with every section', () => {
    const result = parseConfigText(examples[0]!, {});
    expect(result).toMatchObject({ ok: true, format: 'tollgate', warnings: [] });
    if (!result.ok) return;
    const { desired } = result;
    expect([desired.models, desired.organizations, desired.teams, desired.keys, desired.guardrailPolicies, desired.mcpServers].map((s) => s.length)).toEqual([6, 1, 1, 2, 1, 1]);
    expect(desired.models.filter((m) => m.value.name === 'gpt-4o').map((m) => [m.value.deployment, m.value.provider])).toEqual([
      ['openai', 'openai'],
      ['azure-eu', 'azure'],
    ]);
    expect(desired.models[2]!.value).toMatchObject({ name: 'gpt-4o-mini', inputCostPerMillion: 0.15, outputCostPerMillion: 0.6 });
    expect(desired.models[5]!.value).toMatchObject({ name: 'mistral-small', dropParams: ['metadata', 'user', 'store'], defaultParams: { safe_prompt: false } });
    expect(desired.router?.value.settings).toMatchObject({ strategy: 'weighted', fallbacks: { 'gpt-4o': ['claude-sonnet'] } });
  });

  it('should parse the LiteLLM example, with its model group and router settings, warning only about missing prices', () => {
    const result = parseConfigText(examples[1]!, { AZURE_API_BASE: 'https://acme.openai.azure.com' });
    expect(result).toMatchObject({ ok: true, format: 'litellm' });
    if (!result.ok) return;
    expect(result.desired.models.map((m) => [m.value.name, m.value.deployment, m.value.provider])).toEqual([
      ['gpt-4o', '#1', 'openai'],
      ['gpt-4o', 'azure-eastus', 'azure'],
      ['claude-sonnet', '#1', 'anthropic'],
      ['nova-pro', '#1', 'bedrock'],
      ['llama3', '#1', 'openai_compatible'],
    ]);
    expect(result.desired.keys.map((k) => k.value.alias)).toEqual(['app']);
    expect(result.desired.router?.value.settings).toEqual({
      strategy: 'weighted',
      numRetries: 2,
      retryPolicy: { rate_limit: 1 },
      cooldownMs: 30_000,
      fallbacks: { 'gpt-4o': ['claude-sonnet'] },
    });
    expect(result.warnings.filter((w) => !w.message.includes('recorded at cost 0'))).toEqual([]);
  });
});
