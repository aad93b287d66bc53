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
    expect([desired.models, desired.organizations, desired.teams, desired.keys, desired.guardrailPolicies, desired.mcpServers].map((s) => s.length)).toEqual([4, 1, 1, 2, 1, 1]);
    expect(desired.models[1]!.value).toMatchObject({ name: 'gpt-4o-mini', inputCostPerMillion: 0.15, outputCostPerMillion: 0.6 });
  });

  it('should parse the LiteLLM example, warning only about what it says is ignored', () => {
    const result = parseConfigText(examples[1]!, { AZURE_API_BASE: 'https://acme.openai.azure.com' });
    expect(result).toMatchObject({ ok: true, format: 'litellm' });
    if (!result.ok) return;
    expect(result.desired.models.map((m) => [m.value.name, m.value.provider])).toEqual([
      ['gpt-4o', 'openai'],
      ['azure-gpt-4o', 'azure'],
      ['claude-sonnet', 'anthropic'],
      ['nova-pro', 'bedrock'],
      ['llama3', 'openai_compatible'],
    ]);
    expect(result.desired.keys.map((k) => k.value.alias)).toEqual(['app']);
    expect(result.warnings.filter((w) => !w.message.includes('recorded at cost 0')).map((w) => w.path)).toEqual(['router_settings.routing_strategy']);
  });
});
