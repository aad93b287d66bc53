/**
 * Gemini's check on function declaration names, with its error wording: "Must start with a letter or an underscore.
 * Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:), or dashes (-), with a maximum length of
 * 64", one line per refused name, and the whole request refused (400 INVALID_ARGUMENT). The wording is the API's own,
 * as users quote it (google-gemini/gemini-cli#6704, router-for-me/Cli-Proxy-API-Management-Center#120).
 * @see https://ai.google.dev/api/caching#FunctionDeclaration
 */

const VALID_NAME = /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$/;

/** The request's refused function declaration names (of `tools`), as Google words it, or undefined. */
export function checkFunctionNames(tools: unknown): string | undefined {
  const lines: string[] = [];
  for (const [i, tool] of (Array.isArray(tools) ? tools : []).entries()) {
    const declarations: unknown = tool?.functionDeclarations ?? tool?.function_declarations;
    for (const [j, declaration] of (Array.isArray(declarations) ? declarations : []).entries()) {
      const name: unknown = declaration?.name;
      if (typeof name === 'string' && VALID_NAME.test(name)) continue;
      lines.push(
        `* GenerateContentRequest.tools[${i}].function_declarations[${j}].name: Invalid function name. Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:), or dashes (-), with a maximum length of 64.\n`,
      );
    }
  }
  return lines.length > 0 ? lines.join('') : undefined;
}
