import {
  GraphQLError,
  Kind,
  specifiedRules,
  validate,
  type ArgumentNode,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

/**
 * Limits on what one GraphQL operation may ask for, checked before it runs (HTTP and graphql-ws alike), so a
 * deeply nested or enormous query is refused with a clear error instead of tying up the database:
 * - depth: levels of nested selections (the deepest legitimate query here has 4);
 * - complexity: every field costs 1, and a field taking `first` or `limit` multiplies the cost of what it selects
 *   by that number (by 500, the largest page, when it is a variable), so a page of 500 keys with their teams costs
 *   about what it fetches.
 */
export const MAX_DEPTH = 10;
export const MAX_COMPLEXITY = 20_000;

export function depthLimit(maxDepth: number = MAX_DEPTH): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = fragmentsOf(context.getDocument());
    return {
      OperationDefinition(operation) {
        const depth = selectionDepth(operation.selectionSet, fragments, new Set());
        if (depth > maxDepth) {
          context.reportError(new GraphQLError(`The query is ${depth} levels deep; the limit is ${maxDepth}.`, { nodes: [operation], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
        }
      },
    };
  };
}

export function complexityLimit(maxComplexity: number = MAX_COMPLEXITY): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = fragmentsOf(context.getDocument());
    return {
      OperationDefinition(operation) {
        const cost = selectionCost(operation.selectionSet, fragments, new Set());
        if (cost > maxComplexity) {
          context.reportError(
            new GraphQLError(`The query would cost ${cost}; the limit is ${maxComplexity}. Ask for fewer fields or smaller pages.`, {
              nodes: [operation],
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
            }),
          );
        }
      },
    };
  };
}

export const LIMIT_RULES: readonly ValidationRule[] = [depthLimit(), complexityLimit()];

/** graphql-js validation with the standard rules plus the limits (for graphql-ws, which takes a `validate`). */
export function validateWithLimits(schema: GraphQLSchema, document: DocumentNode) {
  return validate(schema, document, [...specifiedRules, ...LIMIT_RULES]);
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const out = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) out.set(definition.name.value, definition);
  }
  return out;
}

function selectionDepth(set: SelectionSetNode | undefined, fragments: Map<string, FragmentDefinitionNode>, visiting: Set<string>): number {
  if (!set) return 0;
  let deepest = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      deepest = Math.max(deepest, selection.selectionSet ? 1 + selectionDepth(selection.selectionSet, fragments, visiting) : 0);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, selectionDepth(selection.selectionSet, fragments, visiting));
    } else {
      // A fragment spread; cycles are refused by the standard rules, this only avoids looping on one.
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (fragment && !visiting.has(name)) {
        visiting.add(name);
        deepest = Math.max(deepest, selectionDepth(fragment.selectionSet, fragments, visiting));
        visiting.delete(name);
      }
    }
  }
  return deepest;
}

function selectionCost(set: SelectionSetNode | undefined, fragments: Map<string, FragmentDefinitionNode>, visiting: Set<string>): number {
  if (!set) return 0;
  let total = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      const inner = selectionCost(selection.selectionSet, fragments, visiting);
      total += 1 + (selection.selectionSet ? listSize(selection.arguments ?? []) * inner : 0);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      total += selectionCost(selection.selectionSet, fragments, visiting);
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (fragment && !visiting.has(name)) {
        visiting.add(name);
        total += selectionCost(fragment.selectionSet, fragments, visiting);
        visiting.delete(name);
      }
    }
  }
  return total;
}

/** The page size a field asks for: its `first` or `limit` argument (a literal; a variable counts as the maximum). */
function listSize(args: readonly ArgumentNode[]): number {
  const arg = args.find((a) => a.name.value === 'first' || a.name.value === 'limit');
  if (!arg) return 1;
  if (arg.value.kind === Kind.INT) return Math.max(1, Number(arg.value.value));
  return 500;
}
