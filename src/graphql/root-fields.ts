import type { Resource } from 'fhir/r4';
import { type FieldNode, type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';
import { SEARCH_LIMITS } from '../fhir/parse-search.ts';
import { ResourceGoneError } from '../store/errors.ts';
import { findFresh } from './actions/find-fresh.ts';
import type { GatewayBuilder } from './builder.ts';
import type { GatewayContext } from './context.ts';
import { fhirGraphQLError } from './errors.ts';
import { type AnyRef, type GeneratedTypes, limitList, type TypeBuildDeps } from './object-types.ts';
import { searchArgsFrom } from './search-arguments.ts';
import { resourcesOf, runSearch, toSearchQuery } from './search-request.ts';

/** Every query needs the `read` scope; checked here, once, for every root field. */
export function requireRead(context: GatewayContext): string {
  if (!context.caller.scopes.has('read'))
    throw fhirGraphQLError('This API key lacks the read scope', 'forbidden');
  return context.caller.tenant;
}

/** A connection page as resolved: the store's page plus what the connection fields report. */
type ConnectionPage = {
  readonly resources: Resource[];
  readonly offset: number;
  readonly pageSize: number;
  readonly total: number | undefined;
  readonly first: string;
  readonly next: string | undefined;
};

/**
 * The connection cursor: the store's opaque keyset cursor plus the page's offset (for the
 * `offset` field). It carries no search values; the store checks that `_sort` did not change.
 */
function encodeCursor(storeCursor: string | null, offset: number): string {
  return Buffer.from(JSON.stringify({ c: storeCursor, o: offset })).toString('base64url');
}

function decodeCursor(cursor: string): { storeCursor: string | null; offset: number } {
  try {
    const { c, o } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      c?: unknown;
      o?: unknown;
    };
    if ((c === null || typeof c === 'string') && Number.isSafeInteger(o) && (o as number) >= 0)
      return { storeCursor: c, offset: o as number };
  } catch {
    // falls through to the error below
  }
  throw fhirGraphQLError('Invalid cursor', 'invalid');
}

/** `X(id)`, `XList(…)` and `XConnection(…)` for every resource type. */
export function addRootFields(
  builder: GatewayBuilder,
  deps: TypeBuildDeps & { types: GeneratedTypes },
): void {
  const connections = new Map<string, AnyRef>();
  for (const type of deps.model.resourceTypes)
    connections.set(type, addConnectionType(builder, type, deps.types.objects.get(type)));

  builder.queryType({
    fields: (t) => {
      const fields: Record<string, unknown> = {};
      for (const type of deps.model.resourceTypes) {
        const ref = deps.types.objects.get(type);
        const names = deps.searchArgs.get(type) ?? new Map<string, string>();
        const searchArgs = (): Record<string, unknown> =>
          Object.fromEntries([...names.keys()].map((name) => [name, t.arg({ type: ['SearchValue'] })]));

        fields[type] = t.field({
          type: ref,
          args: {
            id: t.arg({ type: 'id', required: true }),
            fresh: t.arg.boolean({
              description:
                'Read through to the source and refresh the stored copy (an event only if it changed).',
            }),
          },
          resolve: async (
            _root: unknown,
            args: { id: string; fresh?: boolean | null },
            context: GatewayContext,
          ) => {
            requireRead(context);
            if (args.fresh) return findFresh(context, type, args.id);
            try {
              const { resource } = await context.loaders.resource.load(`${type}/${args.id}`);
              context.roots.push(resource);
              return resource;
            } catch (error) {
              if (error instanceof ResourceGoneError)
                throw fhirGraphQLError(`${type}/${args.id} was deleted`, 'deleted');
              throw fhirGraphQLError(`${type}/${args.id} not found`, 'not-found');
            }
          },
        } as never);

        fields[`${type}List`] = t.field({
          type: [ref],
          args: {
            ...searchArgs(),
            _count: t.arg.int({
              description: `Return at most this many (an explicit cut; max ${SEARCH_LIMITS.maxCount}).`,
            }),
            _sort: t.arg.string(),
            fhirpath: t.arg.string({
              description: 'Keep matches for which this FHIRPath expression is true.',
            }),
          },
          resolve: async (_root: unknown, args: Record<string, unknown>, context: GatewayContext) => {
            const tenant = requireRead(context);
            const explicit = args._count as number | null | undefined;
            // Without _count, ask one more than the maximum: more matches than that is an error, not a cut.
            const count = explicit ?? SEARCH_LIMITS.maxCount;
            const query = toSearchQuery(context.definitions, type, searchArgsFrom(names, args), {
              count: Math.min(Math.max(count, 0), SEARCH_LIMITS.maxCount),
              ...(args._sort ? { sort: args._sort as string } : {}),
            });
            checkCount(explicit);
            const page = await runSearch(context.store, tenant, type, query);
            if (page.next !== undefined && (explicit === undefined || explicit === null))
              throw fhirGraphQLError(
                `Too many matches for ${type}List: more than ${SEARCH_LIMITS.maxCount}; narrow the search, give _count or use ${type}Connection`,
                'too-costly',
              );
            return limitList(
              resourcesOf(page),
              { fhirpath: args.fhirpath, _count: explicit },
              deps.compileFhirpath,
              `${type}List`,
            );
          },
        } as never);

        fields[`${type}Connection`] = t.field({
          type: connections.get(type),
          args: {
            ...searchArgs(),
            _count: t.arg.int({
              description: `Page size (default ${SEARCH_LIMITS.defaultCount}, max ${SEARCH_LIMITS.maxCount}).`,
            }),
            _sort: t.arg.string(),
            _cursor: t.arg.string({
              description: 'An opaque cursor from first/next; the other arguments must stay the same.',
            }),
            cursor: t.arg.string({ description: 'Same as _cursor.' }),
          },
          resolve: async (
            _root: unknown,
            args: Record<string, unknown>,
            context: GatewayContext,
            info: GraphQLResolveInfo,
          ) => {
            const tenant = requireRead(context);
            const pageSize = (args._count as number | null | undefined) ?? SEARCH_LIMITS.defaultCount;
            checkCount(pageSize);
            const given = (args._cursor ?? args.cursor) as string | null | undefined;
            const position = given ? decodeCursor(given) : { storeCursor: null, offset: 0 };
            const wants = selected(info);
            const query = toSearchQuery(context.definitions, type, searchArgsFrom(names, args), {
              count: pageSize,
              ...(args._sort ? { sort: args._sort as string } : {}),
              ...(position.storeCursor ? { cursor: position.storeCursor } : {}),
              total: wants.has('count'),
            });
            const page = await runSearch(context.store, tenant, type, query);
            const result: ConnectionPage = {
              resources: resourcesOf(page),
              offset: position.offset,
              pageSize,
              total: page.total,
              first: encodeCursor(null, 0),
              next:
                page.next === undefined
                  ? undefined
                  : encodeCursor(page.next, position.offset + page.items.length),
            };
            return result;
          },
        } as never);
      }
      return fields as never;
    },
  });
}

function checkCount(count: number | null | undefined): void {
  if (count !== undefined && count !== null && (count < 0 || count > SEARCH_LIMITS.maxCount))
    throw fhirGraphQLError(`_count must be between 0 and ${SEARCH_LIMITS.maxCount}`, 'invalid');
}

/** The field names selected directly under this field (fragments included), to skip work nobody asked for. */
function selected(info: GraphQLResolveInfo): Set<string> {
  const names = new Set<string>();
  const visit = (selectionSet: SelectionSetNode | undefined) => {
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
      else visit(info.fragments[selection.name.value]?.selectionSet);
    }
  };
  for (const node of info.fieldNodes as readonly FieldNode[]) visit(node.selectionSet);
  return names;
}

function addConnectionType(builder: GatewayBuilder, type: string, resourceRef: AnyRef): AnyRef {
  const edge = builder.objectRef<Resource>(`${type}Edge`).implement({
    fields: (t) => ({
      mode: t.string({ resolve: () => 'match' }),
      score: t.float({ resolve: () => null }),
      resource: t.field({ type: resourceRef, resolve: (resource) => resource as never }),
    }),
  });
  return builder.objectRef<ConnectionPage>(`${type}Connection`).implement({
    description: `A page of ${type} search matches with opaque keyset cursors.`,
    fields: (t) => ({
      count: t.int({
        description: 'All matches (computed only when selected).',
        resolve: (page) => page.total,
      }),
      offset: t.int({ resolve: (page) => page.offset }),
      pageSize: t.int({ resolve: (page) => page.pageSize }),
      pagesize: t.int({ description: 'Same as pageSize (HAPI spelling).', resolve: (page) => page.pageSize }),
      first: t.string({ description: 'Cursor of the first page.', resolve: (page) => page.first }),
      previous: t.string({
        description: 'Always null: keyset cursors only go forward.',
        resolve: () => null,
      }),
      next: t.string({ resolve: (page) => page.next }),
      last: t.string({
        description: 'Always null: keyset cursors cannot jump to the end.',
        resolve: () => null,
      }),
      edges: t.field({ type: [edge], resolve: (page) => page.resources }),
    }),
  });
}
