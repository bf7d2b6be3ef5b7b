import { GraphQLObjectType, GraphQLSchema } from 'graphql';
import { buildAdminSchema } from './admin-schema.ts';

/**
 * The gateway schema with the admin root fields (and their types) added to Query and Mutation.
 * Both schemas are built once at start-up; names do not collide (admin types are `Admin*`,
 * `GatewayAdmin`), and a collision is refused rather than silently shadowed.
 */
export function withAdminFields(
  gateway: GraphQLSchema,
  admin: GraphQLSchema = buildAdminSchema(),
): GraphQLSchema {
  const base = gateway.toConfig();
  const extra = admin.toConfig();
  const merge = (
    name: 'Query' | 'Mutation',
    a: GraphQLObjectType | null | undefined,
    b: GraphQLObjectType | null | undefined,
  ) => {
    if (!a && !b) return undefined;
    const fa = a?.toConfig().fields ?? {};
    const fb = b?.toConfig().fields ?? {};
    const clash = Object.keys(fb).filter((f) => f in fa);
    if (clash.length > 0)
      throw new Error(`admin fields collide with the gateway schema on ${name}: ${clash.join(', ')}`);
    return new GraphQLObjectType({ ...(a ?? b)?.toConfig(), name, fields: { ...fa, ...fb } });
  };
  const query = merge('Query', gateway.getQueryType(), admin.getQueryType());
  const mutation = merge('Mutation', gateway.getMutationType(), admin.getMutationType());
  const roots = new Set(['Query', 'Mutation']);
  const names = new Set(base.types.map((t) => t.name));
  const adminTypes = extra.types.filter(
    (t) => !t.name.startsWith('__') && !roots.has(t.name) && !names.has(t.name),
  );
  return new GraphQLSchema({
    ...base,
    query: query ?? null,
    mutation: mutation ?? null,
    types: [...base.types.filter((t) => !roots.has(t.name)), ...adminTypes],
  });
}
