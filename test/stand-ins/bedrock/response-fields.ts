/**
 * `additionalModelResponseFields` as Converse fills them: every JSON Pointer the request names in
 * `additionalModelResponseFieldPaths` is looked up in the model's own response, and what it points at comes back at
 * the same place in a new object (`/delta/stop_sequence` → `{"delta": {"stop_sequence": "END"}}`), `null` included
 * (Claude's `stop_sequence` is null unless a stop sequence matched, and Bedrock returns it so). "If the JSON Pointer
 * is valid, but the requested field is not in the model response, it is ignored." Nothing found: no field at all.
 *
 * The model's own response differs between the two operations: a Converse call gets Claude's whole message
 * (`stop_sequence` at the top), a ConverseStream call its `message_delta` event (`delta.stop_sequence`), which is
 * where `messageStop` takes them from.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html (additionalModelResponseFieldPaths)
 * @see https://datatracker.ietf.org/doc/html/rfc6901
 */

type Json = Record<string, unknown>;

export function responseFields(paths: unknown, native: Json): Json | undefined {
  if (!Array.isArray(paths)) return undefined;
  const out: Json = {};
  let found = false;
  for (const path of paths) {
    if (typeof path !== 'string' || !path.startsWith('/')) continue;
    const segments = path.slice(1).split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
    let value: unknown = native;
    let present = true;
    for (const segment of segments) {
      if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) {
        present = false;
        break;
      }
      value = (value as Json)[segment];
    }
    if (!present) continue;
    let at = out;
    for (const segment of segments.slice(0, -1)) at = (at[segment] ??= {}) as Json;
    at[segments.at(-1)!] = value;
    found = true;
  }
  return found ? out : undefined;
}
