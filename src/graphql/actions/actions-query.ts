import type { GraphQLSchema } from 'graphql';
import { ACTION_CATALOG } from '../../actions/catalog/action-catalog.ts';
import {
  ACTION_KINDS,
  ACTION_STATUSES,
  type ActionDefinition,
} from '../../actions/catalog/action-definition.ts';
import { type ResolvedAction, resolveActions, rootFieldsOf } from '../../actions/catalog/resolve-actions.ts';
import type { SourceAccess } from '../../actions/find/read-through.ts';
import { SOURCE_SYSTEMS } from '../../fhir/identity.ts';
import type { GatewayBuilder } from '../builder.ts';
import { fhirGraphQLError } from '../errors.ts';
import { requireRead } from '../root-fields.ts';

/**
 * `actions(source, status, kind)`: every seed action of the three sources with the GraphQL field
 * that serves it and its status as built (docs/coverage.md prints the same list). Resolved once per
 * schema and connector set: both are fixed for the life of the process.
 */
export function addActionFields(
  builder: GatewayBuilder,
  catalog: readonly ActionDefinition[] = ACTION_CATALOG,
): void {
  const source = builder.enumType('ActionSource', { values: SOURCE_SYSTEMS });
  const kind = builder.enumType('ActionKind', { values: ACTION_KINDS });
  const status = builder.enumType('ActionStatus', {
    values: ACTION_STATUSES,
    description:
      'available: the field does it; alternative: the faithful equivalent the source offers; unsupported_by_source: the source cannot (reason says what to use); not_yet_available: the gateway does not yet (reason says what is missing).',
  });
  const action = builder.objectRef<ResolvedAction>('Action').implement({
    description: "A seed action (the market connector's) and where it lives in this API.",
    fields: (t) => ({
      id: t.exposeString('id', { nullable: false, description: '`<source>.<thing>.<verb>`' }),
      source: t.field({ type: source, nullable: false, resolve: (a) => a.source }),
      seedName: t.exposeString('seedName', { nullable: false, description: "The seed's name, verbatim." }),
      group: t.exposeString('group', { nullable: false }),
      kind: t.field({ type: kind, nullable: false, resolve: (a) => a.kind }),
      status: t.field({ type: status, nullable: false, resolve: (a) => a.status }),
      declaredStatus: t.field({
        type: status,
        nullable: false,
        description: 'The status the catalog declares; status is lower when a part it needs is not built.',
        resolve: (a) => a.declaredStatus,
      }),
      reason: t.string({ resolve: (a) => a.reason ?? null }),
      field: t.string({
        description: 'The GraphQL root field that serves it.',
        resolve: (a) => a.field ?? null,
      }),
      fhirType: t.string({ resolve: (a) => a.fhirType ?? null }),
    }),
  });

  const resolved = new WeakMap<GraphQLSchema, WeakMap<SourceAccess, ResolvedAction[]>>();
  const resolvedFor = (schema: GraphQLSchema, sources: SourceAccess): ResolvedAction[] => {
    let bySources = resolved.get(schema);
    if (!bySources) {
      bySources = new WeakMap();
      resolved.set(schema, bySources);
    }
    let actions = bySources.get(sources);
    if (!actions) {
      actions = resolveActions(catalog, { ...sources, rootFields: rootFieldsOf(schema) });
      bySources.set(sources, actions);
    }
    return actions;
  };

  builder.queryField('actions', (t) =>
    t.field({
      type: [action],
      nullable: false,
      description: 'The seed actions of Jane, DrChrono and Epic (202), each with its field and status.',
      args: {
        source: t.arg({ type: source }),
        status: t.arg({ type: status }),
        kind: t.arg({ type: kind }),
      },
      resolve: (_root, args, context, info) => {
        requireRead(context);
        if (!context.sources)
          throw fhirGraphQLError(
            'the action catalog needs the connectors, which this process does not run',
            'not-supported',
          );
        return resolvedFor(info.schema, context.sources).filter(
          (a) =>
            (!args.source || a.source === args.source) &&
            (!args.status || a.status === args.status) &&
            (!args.kind || a.kind === args.kind),
        );
      },
    }),
  );
}
