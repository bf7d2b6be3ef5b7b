import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  valueFromASTUntyped,
} from 'graphql';
import { ELEMENT_LIST_EXTENSION } from '../graphql/object-types.ts';

export type BudgetLimits = {
  /** Most cost one operation may have (see measureOperation). */
  maxCost: number;
  /** Largest `_count` any field may ask for. */
  maxCount: number;
  /** The page size assumed for a `_count`-taking field that does not say. */
  defaultCount: number;
};

export type Measure = { cost: number; errors: GraphQLError[] };

/**
 * Prices an operation before it runs, with the request's variable values: every selected
 * field costs 1, and a field that takes `_count` (searches, connections, paged list fields)
 * multiplies the cost of what it selects by its page size. That tracks what the query makes
 * the store read and the server serialize: 100 patients × their 20 observations cost ~2,000,
 * whatever the nesting. `_count` values over the limit (or negative) are errors of their own.
 */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  limits: BudgetLimits,
): Measure {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    if (def.kind === Kind.OPERATION_DEFINITION && (!operationName || def.name?.value === operationName)) {
      operation ??= def;
    }
  }
  const errors: GraphQLError[] = [];
  if (!operation) return { cost: 0, errors };

  /** The page size of a field that takes `_count`; undefined for any other field. */
  const countOf = (field: FieldNode, def: GraphQLField<unknown, unknown> | undefined): number | undefined => {
    const arg = field.arguments?.find((a) => a.name.value === '_count');
    const declared = def?.args.find((a) => a.name === '_count');
    if (!arg && !declared) return undefined;
    // A repeating element of a resource (name, coding, participant…) is already read with its
    // resource, bounded by the resource size cap: without `_count` it costs its selection once,
    // not a search page's worth. Searches (resources, connections) keep the default page size.
    if (!arg && def?.extensions?.[ELEMENT_LIST_EXTENSION] === true) return 1;
    const value = arg ? argumentValue(arg.value, variables) : (declared?.defaultValue ?? limits.defaultCount);
    if (value === undefined || value === null) return limits.defaultCount;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > limits.maxCount) {
      errors.push(
        new GraphQLError(
          `\`_count\` on \`${field.name.value}\` must be an integer from 0 to ${limits.maxCount}; ask for more with the connection's cursor`,
          { nodes: [field], extensions: { code: 'COUNT_LIMIT', limit: limits.maxCount } },
        ),
      );
      return limits.maxCount;
    }
    return value;
  };

  const typeNamed = (name: string | undefined, fallback: GraphQLNamedType | undefined) =>
    name ? (schema.getType(name) ?? undefined) : fallback;
  const costOf = (
    set: SelectionSetNode | undefined,
    parent: GraphQLNamedType | undefined,
    seen: ReadonlySet<string>,
  ): number => {
    let total = 0;
    const fields = parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields() : {};
    for (const sel of set?.selections ?? []) {
      if (sel.kind === Kind.FIELD) {
        const def = fields[sel.name.value];
        const count = countOf(sel, def);
        const inner = costOf(sel.selectionSet, def ? getNamedType(def.type) : undefined, seen);
        total += 1 + (count ?? 1) * inner;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        total += costOf(sel.selectionSet, typeNamed(sel.typeCondition?.name.value, parent), seen);
      } else {
        const name = sel.name.value;
        const fragment = fragments.get(name);
        // A fragment spread inside itself is a validation error already; count it once.
        if (fragment && !seen.has(name)) {
          const on = typeNamed(fragment.typeCondition.name.value, parent);
          total += costOf(fragment.selectionSet, on, new Set([...seen, name]));
        }
      }
      if (total > limits.maxCost * 1000) return total; // far over: stop walking a bomb
    }
    return total;
  };
  const root =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  const cost = costOf(operation.selectionSet, root ?? undefined, new Set());
  if (cost > limits.maxCost) {
    errors.push(
      new GraphQLError(
        `the query would cost ${cost > limits.maxCost * 1000 ? `over ${limits.maxCost * 1000}` : cost}, over the budget of ${limits.maxCost} per request: ask for smaller pages (\`_count\`) or fewer nested lists`,
        { extensions: { code: 'COST_LIMIT', cost, limit: limits.maxCost } },
      ),
    );
  }
  return { cost, errors };
}

function argumentValue(node: ValueNode, variables: Record<string, unknown> | null | undefined): unknown {
  if (node.kind === Kind.VARIABLE) return variables?.[node.name.value];
  return valueFromASTUntyped(node, variables ?? undefined);
}
