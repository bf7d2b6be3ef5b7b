import { parseArgs } from 'node:util';
import { type ApiKeyService, parseScopes } from '../auth/api-keys.ts';
import type { Store } from '../store/port.ts';

export const KEYS_USAGE = `usage:
  npm run keys -- create --tenant <id> --scopes read,write [--label <text>]
  npm run keys -- list [--tenant <id>]
  npm run keys -- revoke <key-id>
scopes: read, subscribe, write, admin`;

/** The store's tenant id grammar (also enforced at the store port). */
const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

type Io = { out: (line: string) => void; err: (line: string) => void };

/**
 * The `keys` command against an open store; answers the exit code (0 done, 1 refused,
 * 2 usage). The created key is printed once and exists nowhere else afterwards.
 */
export async function runKeysCommand(
  argv: readonly string[],
  deps: { keys: ApiKeyService; store: Pick<Store, 'tenants'> } & Io,
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    deps.err(`${(err as Error).message}\n${KEYS_USAGE}`);
    return 2;
  }
  const { command, values, positionals } = parsed;
  try {
    if (command === 'create') {
      if (!values.tenant || !values.scopes) {
        deps.err(`create needs --tenant and --scopes\n${KEYS_USAGE}`);
        return 2;
      }
      const scopes = parseScopes(values.scopes);
      if (!TENANT_ID.test(values.tenant)) {
        deps.err(`tenant ids are 1-64 letters, digits, _ and -, starting with a letter or digit`);
        return 1;
      }
      const existed = await deps.store.tenants.get(values.tenant);
      await deps.store.tenants.ensure(values.tenant);
      const { key, token } = await deps.keys.create({
        tenant: values.tenant,
        scopes,
        ...(values.label ? { label: values.label } : {}),
      });
      if (!existed) deps.out(`created tenant ${values.tenant}`);
      deps.out(`created key ${key.id} for tenant ${key.tenant} with scopes ${key.scopes.join(',')}`);
      deps.out('the key (shown only now; store it in a secret manager):');
      deps.out(token);
      return 0;
    }
    if (command === 'list') {
      const keys = await deps.keys.list(values.tenant);
      if (keys.length === 0) deps.out('no keys');
      for (const k of keys) {
        const state = k.revokedAt ? `revoked ${k.revokedAt}` : 'active';
        deps.out(
          [
            k.id,
            k.tenant,
            k.scopes.join(','),
            state,
            `created ${k.createdAt}`,
            `last used ${k.lastUsedAt ?? 'never'}`,
            k.label,
          ]
            .filter(Boolean)
            .join('\t'),
        );
      }
      return 0;
    }
    if (command === 'revoke') {
      const id = positionals[0];
      if (!id || positionals.length > 1) {
        deps.err(`revoke needs exactly one key id\n${KEYS_USAGE}`);
        return 2;
      }
      if (await deps.keys.revoke(id)) {
        deps.out(`revoked key ${id}`);
        return 0;
      }
      deps.err(`no active key with id ${id}`);
      return 1;
    }
    deps.err(`${command ? `unknown command "${command}"` : 'no command given'}\n${KEYS_USAGE}`);
    return 2;
  } catch (err) {
    deps.err(`error: ${(err as Error).message}`);
    return 1;
  }
}

function parse(argv: readonly string[]) {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    options: { tenant: { type: 'string' }, scopes: { type: 'string' }, label: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  return { command, values, positionals };
}
