import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SOURCE_SYSTEMS, type SourceSystem } from '../fhir/identity.ts';
import type { ConnectionScope } from '../fhir/references.ts';
import type { ForwardOptions } from './mapping-set.ts';

/**
 * `mappings/<source>/fixtures/<name>.input.json`: which entity, the native record, and optionally
 * the connection's forward options (time zone, currency) it is mapped with.
 */
export type FixtureInput = { entity: string; record: unknown; options?: ForwardOptions };

export type FixturePair = {
  readonly source: SourceSystem;
  readonly name: string;
  readonly inputFile: string;
  /** `<name>.expected.json` (written and checked by hand) or `<name>.snapshot.json` (see `snapshot`). */
  readonly expectedFile: string;
  /**
   * True when the expectation is a regression snapshot: the engine's own output, recorded by a script
   * (scripts/write-epic-mapping-fixtures.ts) and reviewed as a diff. It pins behaviour, it does not
   * prove it right; hand-checked expectations do that (e.g. src/mapping/epic-hand-checked.test.ts).
   */
  readonly snapshot: boolean;
  readonly input: FixtureInput;
  /** The MapResult the input must give, or undefined when the .expected.json is missing. */
  readonly expected: unknown;
};

/** Golden pairs are mapped in this scope, so their ids and references are stable. */
export function goldenScope(source: SourceSystem): ConnectionScope {
  return { tenant: 'golden', connectionId: `${source}-golden`, source };
}

/**
 * Every golden pair under `mappingsDir`, for every source, sorted by source and name: an input with
 * its hand-checked `.expected.json`, or else its `.snapshot.json`.
 */
export function discoverFixtures(mappingsDir: string): FixturePair[] {
  return SOURCE_SYSTEMS.flatMap((source) => {
    const dir = join(mappingsDir, source, 'fixtures');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((file) => file.endsWith('.input.json'))
      .sort()
      .map((file) => {
        const name = file.slice(0, -'.input.json'.length);
        const inputFile = join(dir, file);
        const handFile = join(dir, `${name}.expected.json`);
        const snapshotFile = join(dir, `${name}.snapshot.json`);
        const snapshot = !existsSync(handFile) && existsSync(snapshotFile);
        const expectedFile = snapshot ? snapshotFile : handFile;
        return {
          source,
          name,
          inputFile,
          expectedFile,
          snapshot,
          input: JSON.parse(readFileSync(inputFile, 'utf8')) as FixtureInput,
          expected: existsSync(expectedFile) ? JSON.parse(readFileSync(expectedFile, 'utf8')) : undefined,
        };
      });
  });
}
