import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/create-logger.ts';
import { logDemoKey } from './demo-key-log.ts';

describe("demo mode's API key log line", () => {
  it('shows where the key is kept and where GraphiQL is, through the log allow-list', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger({ level: 'info', destination });
    logDemoKey(
      log,
      { token: 'fgw_demo_key', file: '/var/lib/gateway/demo-api-key' },
      'http://127.0.0.1:4000/graphql',
    );
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({
      tenant: 'demo',
      keyFile: '/var/lib/gateway/demo-api-key',
      graphiql: 'http://127.0.0.1:4000/graphql',
      msg: 'demo mode: API key fgw_demo_key (GraphiQL at /graphql opens with it)',
    });
    expect(JSON.stringify(line)).not.toContain('[redacted]');
  });
});
