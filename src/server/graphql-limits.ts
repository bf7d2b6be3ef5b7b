/** Every limit the GraphQL server enforces before a query runs; all configurable, all with safe defaults. */
export type GraphQLLimits = {
  /** Deepest selection nesting (introspection excepted). */
  maxDepth: number;
  /** Most aliases in one operation. */
  maxAliases: number;
  /** Most lexical tokens in one document: a 10,000-alias bomb stops here, before parsing finishes. */
  maxTokens: number;
  /** Most directives in one operation. */
  maxDirectives: number;
  /** Cost budget per operation (query-budget.ts). */
  maxCost: number;
  /** Largest `_count` page size. */
  maxCount: number;
  /** Page size assumed for a `_count` field that does not give one. */
  defaultCount: number;
  /** Largest request body, in bytes: room for a mutation carrying a resource at the store's 1 MB default. */
  maxBodyBytes: number;
};

export const DEFAULT_GRAPHQL_LIMITS: GraphQLLimits = {
  maxDepth: 15,
  maxAliases: 30,
  maxTokens: 5_000,
  maxDirectives: 50,
  maxCost: 100_000,
  maxCount: 1_000,
  defaultCount: 50,
  maxBodyBytes: 2 * 1024 * 1024,
};
