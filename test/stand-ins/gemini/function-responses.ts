/**
 * Gemini's pairing of function responses with function calls by `id`: a `functionResponse` that carries an id must
 * answer a `functionCall` with that id in the model turn just before its own turn. Gemini 3 gives every call an id and
 * asks for it back ("Populated by the client to match the corresponding function call `id`"); an id that matches no
 * call is refused. The wording follows Google's other pairing errors ("Please ensure that ..."); it is not a recorded
 * message.
 * @see https://ai.google.dev/api/caching#FunctionResponse
 */

type Json = Record<string, unknown>;

/** The first function response whose id answers no call of the previous turn, as a message, or undefined. */
export function checkFunctionResponseIds(contents: readonly unknown[]): string | undefined {
  for (const [i, content] of contents.entries()) {
    const responses = parts(content).flatMap((part, j) => {
      const response = part.functionResponse ?? part.function_response;
      return isObject(response) ? [{ id: response.id, at: `contents[${i}].parts[${j}]` }] : [];
    });
    if (responses.length === 0) continue;
    const previous = i > 0 ? contents[i - 1] : undefined;
    const callIds = new Set(
      (role(previous) === 'model' ? parts(previous) : []).flatMap((part) => {
        const call = part.functionCall ?? part.function_call;
        return isObject(call) && typeof call.id === 'string' ? [call.id] : [];
      }),
    );
    for (const { id, at } of responses) {
      if (id !== undefined && !callIds.has(String(id))) {
        return `Please ensure that the function response id at '${at}' (${String(id)}) matches the id of a function call in the function call turn.`;
      }
    }
  }
  return undefined;
}

function parts(content: unknown): Json[] {
  const list = isObject(content) ? content.parts : undefined;
  return Array.isArray(list) ? list.filter(isObject) : [];
}

function role(content: unknown): unknown {
  return isObject(content) ? content.role : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
