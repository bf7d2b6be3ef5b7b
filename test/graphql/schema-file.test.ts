import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printGatewaySchema } from '../../src/graphql/print-schema.ts';
import { gatewaySchema } from '../support/graphql-harness.ts';

describe('schema.graphql', () => {
  it('matches the schema the gateway builds (run `npm run schema:print` when this fails)', () => {
    const committed = readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');
    const built = printGatewaySchema(gatewaySchema().definitions);
    // Compare sizes first so a stale file fails with a short message instead of a 1.5 MB diff.
    expect(committed.length).toBe(built.length);
    expect(committed === built).toBe(true);
  });
});
