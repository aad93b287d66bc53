import { GraphQLScalarType, Kind, valueFromASTUntyped, type ValueNode } from 'graphql';

/**
 * `JSON`: any JSON value. Used where the payload has its own, stricter contract validated with zod (config
 * messages going out, usage events coming in), so GraphQL does not duplicate that schema.
 */
export const GraphQLJSON = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast: ValueNode, variables) => {
    if (ast.kind === Kind.VARIABLE) return variables?.[ast.name.value];
    return valueFromASTUntyped(ast, variables);
  },
});
