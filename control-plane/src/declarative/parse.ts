import { parseDocument } from 'yaml';
import type { ConfigFormat } from './desired.js';
import { fromLiteLlmFile } from './litellm-format.js';
import type { ConfigProblem } from './problems.js';
import { fromTollgateFile, type FormatResult } from './tollgate-format.js';

export type ParseResult = FormatResult & { format: ConfigFormat | null };

/** The first line of a `yaml` error message: "Map keys must be unique at line 2, column 1". */
function yamlMessage(message: string): string {
  return message.split('\n')[0]!.replace(/:$/, '');
}

/**
 * The text of a config file → what it declares, or every problem with its path. The format is told by content:
 * a top-level `model_list` is LiteLLM's config.yaml, anything else tollgate.yaml. `env` is where LiteLLM's
 * non-secret `os.environ/NAME` values are read from.
 */
export function parseConfigText(text: string, env: NodeJS.ProcessEnv = process.env): ParseResult {
  const fail = (errors: ConfigProblem[]): ParseResult => ({ ok: false, format: null, errors, warnings: [] });
  // `merge`: YAML merge keys (`<<: *defaults`), which LiteLLM configs use to share litellm_params.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) return fail(doc.errors.map((e) => ({ path: '', message: `YAML: ${yamlMessage(e.message)}` })));
  let value: unknown;
  try {
    // maxAliasCount bounds alias expansion ("billion laughs").
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return fail([{ path: '', message: `YAML: ${err instanceof Error ? err.message : String(err)}` }]);
  }
  // An empty file is refused rather than read as "declare nothing", which would delete every object the file
  // made: an editor caught mid-write, or a mount not there yet, must not wipe the gateway. `{}` declares nothing.
  if (value === null || value === undefined) {
    return fail([{ path: '', message: 'the file is empty; write {} (or empty sections such as models: []) to declare nothing' }]);
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    return fail([{ path: '', message: "must be a mapping with sections such as models:, teams:, keys: (or LiteLLM's model_list:)" }]);
  }
  // Top-level `x-…` keys are free for YAML anchors (`x-defaults: &defaults`), as in docker-compose files.
  const document = Object.fromEntries(Object.entries(value).filter(([key]) => !key.startsWith('x-')));
  if (Object.hasOwn(document, 'model_list')) return { ...fromLiteLlmFile(document, env), format: 'litellm' };
  return { ...fromTollgateFile(document), format: 'tollgate' };
}
