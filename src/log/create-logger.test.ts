import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './create-logger.ts';

describe('logger', () => {
  it('redacts PHI-bearing paths and tokens', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger({ level: 'info', destination });
    log.info(
      {
        record: {
          id: '42',
          name: [{ family: 'Leakname' }],
          birthDate: '1970-01-01',
          telecom: [{ value: '555-0100' }],
        },
        token: { access_token: 'sekret-token' },
        native: { first_name: 'Leakfirst', dob: '1970-01-01', address: '1 Main St' },
      },
      'mapped',
    );
    const out = lines.join('');
    for (const leak of ['Leakname', '1970-01-01', '555-0100', 'sekret-token', 'Leakfirst', '1 Main St']) {
      expect(out).not.toContain(leak);
    }
    expect(out).toContain('"id":"42"');
    expect(out).toContain('[redacted]');
  });
});
