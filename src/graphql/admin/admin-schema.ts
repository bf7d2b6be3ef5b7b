import SchemaBuilder from '@pothos/core';
import type { GraphQLSchema } from 'graphql';
import { requireScope } from '../../auth/api-keys.ts';
import { SOURCE_SYSTEMS } from '../../fhir/identity.ts';
import type { Connection, QuarantineEntry } from '../../store/port.ts';
import { fhirGraphQLError } from '../errors.ts';
import type { AdminContext, AdminSyncState } from './admin-ops.ts';

/** Root fields that need the `admin` scope; the server checks them before execution. */
export const ADMIN_ROOT_FIELDS: ReadonlySet<string> = new Set([
  'gatewayAdmin',
  'gatewayAdminReplayQuarantine',
  'gatewayAdminDiscardQuarantine',
  'gatewayAdminMintConnectLink',
]);

type AdminTypes = {
  Context: AdminContext;
  Objects: {
    GatewayAdmin: { tenant: string };
    AdminConnection: Connection;
    AdminSyncState: AdminSyncState;
    AdminSyncRow: AdminSyncState['rows'][number];
    AdminError: NonNullable<AdminSyncState['lastError']>;
    AdminQuarantineEntry: QuarantineEntry;
    AdminReplayResult: { id: string; outcome: string; detail: string | undefined };
    AdminConnectLink: { url: string; expiresAt: string };
  };
};

const notAvailable = (what: string, owner: string) =>
  fhirGraphQLError(`${what} is not available in this process: it needs ${owner}`, 'not-supported');

/** The caller's tenant, after checking the admin scope again (defence in depth behind the server check). */
const adminTenant = (ctx: AdminContext) => {
  requireScope(ctx.caller, 'admin');
  return ctx.caller.tenant;
};

/**
 * The admin operations as a small schema of their own (merged into the gateway's by
 * withAdminFields): the caller's tenant only, ids, codes and counts only (quarantined records'
 * raw contents are PHI and are not exposed).
 */
export function buildAdminSchema(): GraphQLSchema {
  const builder = new SchemaBuilder<AdminTypes>({});

  builder.objectType('AdminError', {
    fields: (t) => ({
      at: t.exposeString('at'),
      code: t.exposeString('code'),
      message: t.exposeString('message'),
    }),
  });
  builder.objectType('AdminSyncRow', {
    fields: (t) => ({
      row: t.exposeString('row'),
      lastSuccessAt: t.string({ nullable: true, resolve: (r) => r.lastSuccessAt ?? null }),
      lagSeconds: t.float({ nullable: true, resolve: (r) => r.lagSeconds ?? null }),
      backfilling: t.exposeBoolean('backfilling'),
    }),
  });
  builder.objectType('AdminSyncState', {
    description: "A connection's sync state from the sync engine's operations view.",
    fields: (t) => ({
      state: t.exposeString('state'),
      cadence: t.string({ nullable: true, resolve: (s) => s.cadence ?? null }),
      leaseHolder: t.string({ nullable: true, resolve: (s) => s.leaseHolder ?? null }),
      quarantined: t.exposeInt('quarantined'),
      lastError: t.field({ type: 'AdminError', nullable: true, resolve: (s) => s.lastError ?? null }),
      rows: t.field({ type: ['AdminSyncRow'], resolve: (s) => [...s.rows] }),
    }),
  });
  builder.objectType('AdminConnection', {
    fields: (t) => ({
      id: t.exposeID('id'),
      source: t.exposeString('source'),
      createdAt: t.exposeString('createdAt'),
      updatedAt: t.exposeString('updatedAt'),
      syncState: t.field({
        type: 'AdminSyncState',
        nullable: true,
        description:
          'Null when the connection has no state yet; an error when this process runs no sync engine.',
        resolve: async (c, _args, ctx) => {
          if (!ctx.admin?.syncState) throw notAvailable('sync state', 'the sync engine');
          return (await ctx.admin.syncState(c.tenant, c.id)) ?? null;
        },
      }),
    }),
  });
  builder.objectType('AdminQuarantineEntry', {
    description:
      'A source record the mapping refused; its raw contents are kept for replay but not shown (PHI).',
    fields: (t) => ({
      id: t.exposeID('id'),
      connection: t.exposeString('connection'),
      what: t.exposeString('what'),
      reason: t.exposeString('reason'),
      at: t.exposeString('at'),
    }),
  });
  builder.objectType('GatewayAdmin', {
    description: "Gateway extension: operations on the API key's own tenant (admin scope).",
    fields: (t) => ({
      tenant: t.exposeString('tenant'),
      connections: t.field({
        type: ['AdminConnection'],
        resolve: (a, _args, ctx) => ctx.store.connections.list(a.tenant),
      }),
      quarantine: t.field({
        type: ['AdminQuarantineEntry'],
        args: {
          connection: t.arg.string(),
          _count: t.arg.int({
            defaultValue: 50,
            description: 'At most this many entries (max 1000), oldest first.',
          }),
        },
        resolve: (a, args, ctx) =>
          ctx.store.quarantine.list(a.tenant, {
            ...(args.connection ? { connection: args.connection } : {}),
            limit: Math.min(Math.max(args._count ?? 50, 0), 1000),
          }),
      }),
      capabilities: t.stringList({
        description:
          'Which admin operations this process offers: syncState, replayQuarantine, mintConnectLink.',
        resolve: (_a, _args, ctx) =>
          (['syncState', 'replayQuarantine', 'mintConnectLink'] as const).filter((op) => ctx.admin?.[op]),
      }),
    }),
  });
  builder.objectType('AdminReplayResult', {
    fields: (t) => ({
      id: t.exposeID('id'),
      outcome: t.exposeString('outcome'),
      detail: t.string({ nullable: true, resolve: (r) => r.detail ?? null }),
    }),
  });
  builder.objectType('AdminConnectLink', {
    fields: (t) => ({ url: t.exposeString('url'), expiresAt: t.exposeString('expiresAt') }),
  });

  builder.queryType({
    fields: (t) => ({
      gatewayAdmin: t.field({
        type: 'GatewayAdmin',
        description: 'Gateway extension: connections, their sync state and quarantine (admin scope).',
        resolve: (_root, _args, ctx) => ({ tenant: adminTenant(ctx) }),
      }),
    }),
  });
  builder.mutationType({
    fields: (t) => ({
      gatewayAdminReplayQuarantine: t.field({
        type: 'AdminReplayResult',
        description: 'Gateway extension: maps a quarantined record again and writes it (admin scope).',
        args: { id: t.arg.id({ required: true }) },
        resolve: async (_root, args, ctx) => {
          const tenant = adminTenant(ctx);
          if (!ctx.admin?.replayQuarantine) throw notAvailable('quarantine replay', 'the sync engine');
          const result = await ctx.admin.replayQuarantine(tenant, String(args.id));
          return { id: String(args.id), outcome: result.outcome, detail: result.detail };
        },
      }),
      gatewayAdminDiscardQuarantine: t.boolean({
        description:
          'Gateway extension: drops a quarantine entry for good; false when there was none (admin scope).',
        args: { id: t.arg.id({ required: true }) },
        resolve: (_root, args, ctx) => ctx.store.quarantine.remove(adminTenant(ctx), String(args.id)),
      }),
      gatewayAdminMintConnectLink: t.field({
        type: 'AdminConnectLink',
        description:
          "Gateway extension: a single-use link to connect a clinic's source to this tenant (admin scope).",
        args: {
          source: t.arg.string({ required: true, description: SOURCE_SYSTEMS.join(', ') }),
          ttlMinutes: t.arg.int({ description: 'How long the link stays valid (default 15, max 1440).' }),
        },
        resolve: async (_root, args, ctx) => {
          const tenant = adminTenant(ctx);
          if (!(SOURCE_SYSTEMS as readonly string[]).includes(args.source)) {
            throw fhirGraphQLError(`source must be one of ${SOURCE_SYSTEMS.join(', ')}`, 'invalid');
          }
          const ttl = args.ttlMinutes ?? 15;
          if (!Number.isInteger(ttl) || ttl < 1 || ttl > 1440) {
            throw fhirGraphQLError('ttlMinutes must be an integer from 1 to 1440', 'invalid');
          }
          if (!ctx.admin?.mintConnectLink) throw notAvailable('connect-link minting', 'the connect flow');
          return ctx.admin.mintConnectLink({ tenant, source: args.source, ttlMs: ttl * 60_000 });
        },
      }),
    }),
  });
  return builder.toSchema();
}
