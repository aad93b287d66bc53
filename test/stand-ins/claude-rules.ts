/**
 * What a Claude model refuses, by its id, as Anthropic's API and Bedrock (which passes the fields on to the model)
 * both answer it:
 * - Opus 4.7 and later, the Claude 5 models, Mythos and Fable: any `temperature`, `top_p` or `top_k` ("`temperature`
 *   is deprecated for this model."), and thinking other than adaptive (`enabled` with a budget, `disabled`);
 * - Opus 4.1 and every 4.5 and later model: `temperature` and `top_p` together;
 * - anything before Opus and Sonnet 4.6 (and ids naming no Claude version, such as the stand-ins' own): adaptive
 *   thinking.
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-adaptive-thinking.html
 */
export interface ClaudeFields {
  readonly thinkingType?: unknown;
  readonly temperature?: unknown;
  readonly topP?: unknown;
  readonly topK?: unknown;
}

export function claudeFieldProblem(model: string, fields: ClaudeFields): string | undefined {
  const generation = claudeGeneration(model);
  if (generation === 'adaptive-only') {
    const sampling = fields.temperature !== undefined ? 'temperature' : fields.topP !== undefined ? 'top_p' : fields.topK !== undefined ? 'top_k' : undefined;
    if (sampling) return `\`${sampling}\` is deprecated for this model.`;
    if (fields.thinkingType === 'enabled' || fields.thinkingType === 'disabled') {
      return `thinking.type.${fields.thinkingType}: not supported for this model. Use \`thinking.type.adaptive\` and \`output_config.effort\` to control thinking behavior.`;
    }
  }
  if ((generation === 'one-sampler' || generation === 'both') && fields.temperature !== undefined && fields.topP !== undefined) {
    return '`temperature` and `top_p` cannot both be specified for this model. Please use only one.';
  }
  if ((generation === 'budget-only' || generation === 'one-sampler') && fields.thinkingType === 'adaptive') return 'thinking.type.adaptive: adaptive thinking is not supported on this model';
  return undefined;
}

type Generation = 'adaptive-only' | 'both' | 'one-sampler' | 'budget-only';

function claudeGeneration(model: string): Generation {
  if (/claude-(mythos|fable)/.test(model)) return 'adaptive-only';
  const m = /claude-(opus|sonnet|haiku)-(\d+)(?:-(\d)(?!\d))?/.exec(model);
  if (!m) return 'budget-only';
  const version = Number(m[2]) + Number(m[3] ?? 0) / 10;
  if (version >= 4.7) return 'adaptive-only';
  if (version >= 4.6) return 'both';
  return version >= 4.5 || (m[1] === 'opus' && version >= 4.1) ? 'one-sampler' : 'budget-only';
}
