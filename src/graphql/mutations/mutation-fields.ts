import { GraphQLError, valueFromASTUntyped } from 'graphql';
import { ActionError } from '../../actions/action-error.ts';
import type { ActionService } from '../../actions/action-service.ts';
import type { MutationSpec } from '../../actions/write-targets.ts';
import type { NamedOperation } from '../../connectors/connector.ts';
import type { GatewayBuilder } from '../builder.ts';
import type { GatewayContext } from '../context.ts';
import type { FhirModel } from '../fhir-model.ts';
import type { AnyRef, GeneratedTypes } from '../object-types.ts';
import { addInputTypes } from './input-types.ts';

export type MutationBuildDeps = {
  readonly model: FhirModel;
  readonly scalars: ReadonlySet<string>;
  readonly types: GeneratedTypes;
  readonly spec: MutationSpec;
};

/**
 * The Mutation root (docs/mutations.md): per resource type `XCreate`, `XUpdate`, `XPatch`,
 * `XUpsert` and `XDelete` where a source's catalog row and mapping allow them, and one field per
 * named source operation. Resolvers only translate: the machinery is src/actions.
 */
export function addMutationFields(builder: GatewayBuilder, deps: MutationBuildDeps): void {
  const { spec, model } = deps;
  const types = [...spec.types.keys()].filter((type) => model.objects.has(type)).sort();
  if (types.length === 0 && spec.operations.length === 0) return;
  addJsonScalar(builder);
  const inputs = addInputTypes(
    builder,
    model,
    [...types, ...spec.operations.map((op) => op.inputType)],
    deps.scalars,
  );
  const match = builder.inputType('UpsertMatch', {
    description:
      'How an upsert finds the existing record: exactly one of an identifier (`system|value`) or a FHIR search (`code=…&subject=Patient/…`).',
    fields: (t) => ({
      identifier: t.string({ required: false }),
      search: t.string({ required: false }),
    }),
  });

  builder.mutationType({
    fields: (t) => {
      const fields: Record<string, unknown> = {};
      const key = () =>
        t.arg.string({
          required: true,
          description: 'A retry with the same key answers the first result; the source is called once.',
        });
      for (const type of types) {
        const kinds = spec.types.get(type) ?? new Set();
        const output = deps.types.objects.get(type);
        const input = inputs.get(type);
        if (kinds.has('create'))
          fields[`${type}Create`] = t.field({
            type: output,
            description: `Creates a ${type} in the connection's source and stores the source's answer.`,
            args: {
              connection: t.arg.id({ required: true }),
              res: t.arg({ type: input, required: true }),
              idempotencyKey: key(),
            },
            resolve: act((actions, ctx, args) =>
              actions.create(ctx.caller, {
                connection: String(args.connection),
                type,
                res: args.res,
                idempotencyKey: String(args.idempotencyKey),
              }),
            ),
          });
        if (kinds.has('update'))
          fields[`${type}Update`] = t.field({
            type: output,
            description: `Replaces a ${type} (by gateway id) in its source; only the native fields that change are sent.`,
            args: {
              id: t.arg.id({ required: true }),
              res: t.arg({ type: input, required: true }),
              idempotencyKey: key(),
            },
            resolve: act((actions, ctx, args) =>
              actions.update(ctx.caller, {
                type,
                id: String(args.id),
                res: args.res,
                idempotencyKey: String(args.idempotencyKey),
              }),
            ),
          });
        if (kinds.has('patch'))
          fields[`${type}Patch`] = t.field({
            type: output,
            description: `Partially updates a ${type} with a JSON Merge Patch (RFC 7396); untouched fields stay as they are in the source.`,
            args: {
              id: t.arg.id({ required: true }),
              patch: t.arg({ type: 'JSON', required: true }),
              idempotencyKey: key(),
            },
            resolve: act((actions, ctx, args) =>
              actions.patch(ctx.caller, {
                type,
                id: String(args.id),
                patch: args.patch,
                idempotencyKey: String(args.idempotencyKey),
              }),
            ),
          });
        if (kinds.has('create') && kinds.has('update'))
          fields[`${type}Upsert`] = t.field({
            type: output,
            description: `Finds the ${type} the match names (in the gateway, then in the source) and updates it, or creates it; concurrent upserts of one identity create one record.`,
            args: {
              connection: t.arg.id({ required: true }),
              match: t.arg({ type: match, required: true }),
              res: t.arg({ type: input, required: true }),
              idempotencyKey: key(),
            },
            resolve: act((actions, ctx, args) =>
              actions.upsert(ctx.caller, {
                connection: String(args.connection),
                type,
                match: args.match as { identifier?: string; search?: string },
                res: args.res,
                idempotencyKey: String(args.idempotencyKey),
              }),
            ),
          });
        if (kinds.has('delete'))
          fields[`${type}Delete`] = t.field({
            type: output,
            description: `Deletes a ${type} in its source; answers the last version.`,
            args: { id: t.arg.id({ required: true }), idempotencyKey: key() },
            resolve: act((actions, ctx, args) =>
              actions.delete(ctx.caller, {
                type,
                id: String(args.id),
                idempotencyKey: String(args.idempotencyKey),
              }),
            ),
          });
      }
      for (const op of spec.operations) fields[op.graphqlField] = operationField(t, op, deps, inputs, key);
      return fields as never;
    },
  });
}

function operationField(
  t: AnyRef,
  op: NamedOperation,
  deps: MutationBuildDeps,
  inputs: ReadonlyMap<string, AnyRef>,
  key: () => unknown,
): unknown {
  const output = deps.types.objects.get(op.outputType) ?? 'JSON';
  const input = inputs.get(op.inputType) ?? 'JSON';
  const args: Record<string, unknown> = {
    connection: t.arg.id({ required: true }),
    // An operation on one record may need no input (a revoke).
    res: t.arg({ type: input, required: !op.subject }),
    idempotencyKey: key(),
  };
  if (op.subject) args.id = t.arg.id({ required: true, description: `The ${op.subject.type}'s gateway id.` });
  if (op.target) {
    args.id = t.arg.id({ required: true, description: `The ${op.target.type}'s gateway id.` });
    if (op.path.includes('{id}'))
      args.elementId = t.arg.string({
        required: true,
        description: `The id of the ${op.target.element ?? 'element'} to change.`,
      });
  }
  return t.field({
    type: output,
    description: `${op.source} operation ${op.id} (${op.method} ${op.path}).`,
    args,
    resolve: act((actions, ctx, a) =>
      actions.invoke(ctx.caller, {
        operation: op,
        connection: String(a.connection),
        target: a.id === undefined || a.id === null ? undefined : String(a.id),
        elementId: a.elementId === undefined || a.elementId === null ? undefined : String(a.elementId),
        input: a.res,
        idempotencyKey: String(a.idempotencyKey),
      }),
    ),
  });
}

type Args = Record<string, unknown>;

/** A resolver that runs the action and turns an ActionError into the GraphQL error with its OperationOutcome. */
function act(fn: (actions: ActionService, context: GatewayContext, args: Args) => Promise<unknown>): never {
  // Pothos cannot type resolvers of generated types; they answer FHIR JSON.
  return (async (_root: unknown, args: Args, context: GatewayContext) => {
    if (!context.actions)
      throw new GraphQLError('mutations are not available in this process', {
        extensions: { code: 'UNSUPPORTED_BY_SOURCE' },
      });
    try {
      // Typed input: drop explicit nulls (FHIR JSON has none). A merge patch keeps its nulls: they remove fields.
      return await fn(context.actions, context, { ...args, res: plain(args.res), match: plain(args.match) });
    } catch (error) {
      if (error instanceof ActionError)
        throw new GraphQLError(error.message, { extensions: { code: error.code, resource: error.outcome } });
      throw error;
    }
  }) as never;
}

/** GraphQL input objects have a null prototype and explicit nulls: plain FHIR JSON without the nulls. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = plain(v);
  return out;
}

function addJsonScalar(builder: GatewayBuilder): void {
  builder.scalarType('JSON', {
    description: 'Any JSON value (a JSON Merge Patch, a contained resource, a source answer).',
    serialize: (value) => value,
    parseValue: (value) => value,
    parseLiteral: (node, variables) => valueFromASTUntyped(node, variables),
  });
}
