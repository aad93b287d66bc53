import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  specifiedRules,
  validate,
  type ArgumentNode,
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
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
 *   about what it fetches (a page object's list, `keyPage { keys }`, is that page). A list without a page (`keys`,
 *   `teams`, `models`, …) multiplies it by `UNPAGED_LIST_SIZE` (one inside another object, a model's health results,
 *   by `NESTED_LIST_SIZE`): it returns as many rows as there are, so a query repeating one under a thousand aliases
 *   is refused rather than run a thousand times. Introspection (`__schema`, `__type`) is the schema's size.
 */
export const MAX_DEPTH = 10;
export const MAX_COMPLEXITY = 20_000;
/** What a list without `first` or `limit` counts as: at the top of the query, and inside another object. */
export const UNPAGED_LIST_SIZE = 100;
export const NESTED_LIST_SIZE = 10;

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
        const schema = context.getSchema();
        const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
        const cost = selectionCost(operation.selectionSet, root ?? undefined, { schema, fragments, visiting: new Set() }, { nested: false });
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

interface CostWalk {
  readonly schema: GraphQLSchema;
  readonly fragments: Map<string, FragmentDefinitionNode>;
  readonly visiting: Set<string>;
}

/**
 * Where a selection set is: `nested` inside a field's (not at the top of the query); `page`, the page size of the
 * page object (`keyPage(first: 500)`) whose fields these are, which its list is.
 */
interface Place {
  readonly nested: boolean;
  readonly page?: number;
}

/** What the selections cost on an object of `parent` (undefined where the schema does not say: counted as one row). */
function selectionCost(set: SelectionSetNode | undefined, parent: GraphQLCompositeType | undefined, walk: CostWalk, place: Place): number {
  if (!set) return 0;
  let total = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      const type = fieldType(parent, selection);
      const named = type === undefined ? undefined : getNamedType(type);
      const { rows, page } = fieldRows(selection, type, place);
      const inner = selectionCost(selection.selectionSet, named !== undefined && isCompositeType(named) ? named : undefined, walk, { nested: true, ...(page !== undefined && { page }) });
      total += 1 + (selection.selectionSet ? rows * inner : 0);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      total += selectionCost(selection.selectionSet, conditionType(walk.schema, selection.typeCondition?.name.value) ?? parent, walk, place);
    } else {
      const name = selection.name.value;
      const fragment = walk.fragments.get(name);
      if (fragment && !walk.visiting.has(name)) {
        walk.visiting.add(name);
        total += selectionCost(fragment.selectionSet, conditionType(walk.schema, fragment.typeCondition.name.value) ?? parent, walk, place);
        walk.visiting.delete(name);
      }
    }
  }
  return total;
}

function fieldType(parent: GraphQLCompositeType | undefined, field: FieldNode) {
  if (parent === undefined || !(isObjectType(parent) || isInterfaceType(parent))) return undefined;
  return parent.getFields()[field.name.value]?.type;
}

function conditionType(schema: GraphQLSchema, name: string | undefined): GraphQLCompositeType | undefined {
  const type = name === undefined ? undefined : schema.getType(name);
  return type !== undefined && isCompositeType(type) ? type : undefined;
}

/**
 * How many objects a field's selection is made for (`rows`), and the page its own fields' list is (`page`): a paged
 * list is its page; a paged object (`keyPage`) is one, and its list the page; a list without a page, the page of the
 * object it is in or its assumed size; anything else one. Introspection types count one.
 */
function fieldRows(field: FieldNode, type: ReturnType<typeof fieldType>, place: Place): { rows: number; page?: number } {
  const asked = listSize(field.arguments ?? []);
  const list = type !== undefined && isListType(getNullableType(type)) && !field.name.value.startsWith('__') && !getNamedType(type).name.startsWith('__');
  if (asked !== undefined) return list ? { rows: asked } : { rows: 1, page: asked };
  if (!list) return { rows: 1 };
  return { rows: place.page ?? (place.nested ? NESTED_LIST_SIZE : UNPAGED_LIST_SIZE) };
}

/** The page size a field asks for: its `first` or `limit` argument (a literal; a variable counts as the maximum). */
function listSize(args: readonly ArgumentNode[]): number | undefined {
  const arg = args.find((a) => a.name.value === 'first' || a.name.value === 'limit');
  if (!arg) return undefined;
  if (arg.value.kind === Kind.INT) return Math.max(1, Number(arg.value.value));
  return 500;
}
