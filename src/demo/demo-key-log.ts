import type { Logger } from 'pino';
import { DEMO_TENANT } from './demo-api-key.ts';

/**
 * The start-log line of demo mode's API key: the key (synthetic data only, so printing it is the
 * point), the file it is kept in and where GraphiQL opens with it. The fields are named so the
 * log allow-list writes them (log/safe-fields.ts): `keyFile`, not `file`, which elsewhere could
 * name a patient's document.
 */
export function logDemoKey(log: Logger, key: { token: string; file: string }, graphiqlUrl: string): void {
  log.info(
    { tenant: DEMO_TENANT, keyFile: key.file, graphiql: graphiqlUrl },
    `demo mode: API key ${key.token} (GraphiQL at /graphql opens with it)`,
  );
}
