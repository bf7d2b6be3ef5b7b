import type { Resource } from 'fhir/r4';
import { createSchema } from 'graphql-yoga';
import type { Caller } from '../../src/auth/scopes.ts';
import type { Store } from '../../src/store/port.ts';

/**
 * A tiny stand-in for the gateway schema, for testing the HTTP server alone (auth, limits,
 * tenancy, errors): it is never the product's schema. Resolvers read the store in the
 * caller's tenant only, as the real ones must; `calls` counts resolver runs so tests can
 * prove a rejected query ran none.
 */
export type PlaceholderContext = { caller: Caller; store: Store };

export function placeholderSchema(calls: { count: number }) {
  const patient = async (ctx: PlaceholderContext, id: string) => {
    calls.count++;
    const stored = await ctx.store.resources.read(ctx.caller.tenant, 'Patient', id);
    return stored && !stored.deleted ? stored.resource : null;
  };
  const familyOf = (r: Resource) => (r as { name?: Array<{ family?: string }> }).name?.[0]?.family ?? null;
  return createSchema<PlaceholderContext>({
    typeDefs: /* GraphQL */ `
      type Query {
        Patient(id: ID!): Patient
        PatientList(_count: Int = 20): [Patient!]!
        boom: String
        admin: Admin
      }
      type Mutation {
        touch: String
      }
      type Patient {
        id: ID!
        family: String
        self: Patient
        others(_count: Int): [Patient!]!
      }
      type Admin {
        tenant: String!
      }
    `,
    resolvers: {
      Query: {
        Patient: (_: unknown, args: { id: string }, ctx: PlaceholderContext) => patient(ctx, args.id),
        PatientList: async (_: unknown, args: { _count: number }, ctx: PlaceholderContext) => {
          calls.count++;
          const page = await ctx.store.resources.list(ctx.caller.tenant, 'Patient', { limit: args._count });
          return page.items.map((s) => s.resource);
        },
        boom: () => {
          calls.count++;
          // Looks like PHI on purpose: it must never reach the client or the log.
          throw new Error('could not format Jane Doe born 1970-01-01');
        },
        admin: (_: unknown, __: unknown, ctx: PlaceholderContext) => ({ tenant: ctx.caller.tenant }),
      },
      Mutation: { touch: () => 'touched' },
      Patient: {
        family: (r: Resource) => familyOf(r),
        self: (r: Resource, _: unknown, ctx: PlaceholderContext) => patient(ctx, r.id as string),
        others: async (_r: Resource, args: { _count?: number }, ctx: PlaceholderContext) => {
          calls.count++;
          const page = await ctx.store.resources.list(ctx.caller.tenant, 'Patient', {
            limit: args._count ?? 20,
          });
          return page.items.map((s) => s.resource);
        },
      },
    },
  });
}
