import type { ExecutionResult } from 'graphql';
import { type DocumentNode, GraphQLError, Kind, parse, print } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { operationOutcome, outcomeIssue } from '../fhir/operation-outcome.ts';
import { addSliceFields, applyShapingDirectives, usesShapingDirectives } from './flatten.ts';
import {
  type InstanceFocus,
  instanceFocusFromPath,
  unwrapInstanceData,
  wrapInstanceQuery,
} from './instance-query.ts';
import { withoutInputValues } from './value-free-errors.ts';

export type FhirGraphQLPluginOptions = {
  /** The resource types the schema serves (instance-level paths name one of them). */
  readonly resourceTypes: readonly string[];
};

/**
 * What the FHIR GraphQL page asks beyond plain GraphQL, for a yoga server:
 * - instance-level `[base]/[Type]/[id]/$graphql` (the focus resource's fields at the root), when
 *   the server routes such paths to yoga (its graphqlEndpoint pattern);
 * - the shaping directives `@flatten @first @singleton @slice` applied to the result;
 * - an OperationOutcome in `extensions.resource` of every error (parse and validation errors too).
 */
export function useFhirGraphQL(options: FhirGraphQLPluginOptions): Plugin {
  const focusOf = new WeakMap<Request, InstanceFocus>();
  const introspections = new Map<string, ExecutionResult>();
  return {
    onParams({ params, setParams, request }) {
      const focus = instanceFocusFromPath(new URL(request.url).pathname, options.resourceTypes);
      if (!focus || typeof params.query !== 'string') return;
      focusOf.set(request, focus);
      let document: ReturnType<typeof parse>;
      try {
        document = parse(params.query);
      } catch {
        return; // the normal parse reports the syntax error
      }
      // Rewritten as text so parse/validation caches key on the wrapped query (type and id included).
      setParams({ ...params, query: print(wrapInstanceQuery(document, focus)) });
    },
    onExecute({ args, executeFn, setExecuteFn, setResultAndStopExecution }) {
      // The schema is the same for every caller and built once: an introspection result is too.
      const introspection = introspectionKey(args.document, args.operationName, args.variableValues);
      if (introspection !== undefined) {
        const cached = introspections.get(introspection);
        if (cached) {
          setResultAndStopExecution(cached);
          return;
        }
        setExecuteFn(async (executeArgs) => {
          const result = (await executeFn(executeArgs)) as ExecutionResult;
          if (!result.errors?.length) {
            if (introspections.size >= INTROSPECTION_CACHE_SIZE) introspections.clear();
            introspections.set(introspection, result);
          }
          return result;
        });
        return;
      }
      const request = (args.contextValue as { request?: Request }).request;
      const focus = request ? focusOf.get(request) : undefined;
      const shaping = usesShapingDirectives(args.document);
      if (!focus && !shaping) return;
      setExecuteFn(async (executeArgs) => {
        const document = shaping ? addSliceFields(executeArgs.document) : executeArgs.document;
        const result = (await executeFn({ ...executeArgs, document })) as ExecutionResult;
        let data = result.data as Record<string, unknown> | null | undefined;
        try {
          if (data && shaping)
            data = applyShapingDirectives(executeArgs.document, executeArgs.operationName, data);
        } catch (error) {
          return { errors: [...(result.errors ?? []), error as GraphQLError], data: null };
        }
        if (focus) data = unwrapInstanceData(data, focus);
        return { ...result, data };
      });
    },
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result)) {
        setResult(result.map(withOutcomes));
      } else if (result && typeof result === 'object' && 'errors' in result) {
        setResult(withOutcomes(result as ExecutionResult));
      }
    },
  };
}

const INTROSPECTION_CACHE_SIZE = 20;

/** A cache key when the operation reads only the schema (`__schema`, `__type`, `__typename`), else undefined. */
export function introspectionKey(
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: unknown,
): string | undefined {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (operation?.operation !== 'query') return undefined;
  const schemaOnly = operation.selectionSet.selections.every(
    (selection) => selection.kind === Kind.FIELD && selection.name.value.startsWith('__'),
  );
  return schemaOnly
    ? `${operationName ?? ''}\n${JSON.stringify(variables ?? {})}\n${print(document)}`
    : undefined;
}

/**
 * Adds an OperationOutcome to each error that has none (parse, validation, limits), after
 * dropping any input value graphql-js quoted in its message (value-free-errors.ts).
 */
export function withOutcomes(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.length) return result;
  return {
    ...result,
    errors: result.errors.map((given) => {
      if (given.extensions?.resource) return given;
      const error = withoutInputValues(given);
      return new GraphQLError(error.message, {
        nodes: error.nodes ?? null,
        source: error.source ?? null,
        positions: error.positions ?? null,
        path: error.path ?? null,
        originalError: error.originalError ?? null,
        extensions: {
          ...error.extensions,
          resource: operationOutcome([outcomeIssue('error', 'invalid', error.message)]),
        },
      });
    }),
  };
}
