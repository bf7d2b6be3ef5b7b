import { existsSync } from 'node:fs';
import type { FhirDefinitions } from '../fhir/definitions.ts';
import type { IdentityScheme } from '../fhir/identity.ts';
import { importResources } from '../import/import-resources.ts';
import { type InputItem, inputFiles, readFhirFile } from '../import/read-fhir-input.ts';
import type { Store } from '../store/port.ts';

const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const USAGE = 'usage: npm run import -- <file|dir> --tenant <id>';
/** Items between progress lines on large inputs. */
const PROGRESS_EVERY = 1000;

export type ImportCommandDeps = {
  readonly store: Store;
  readonly definitions: FhirDefinitions;
  readonly scheme: IdentityScheme;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
};

/** `import <file|dir> --tenant <id>`: exit code 0 when everything was imported, 1 when some items were invalid, 2 on usage errors. */
export async function runImportCommand(argv: readonly string[], deps: ImportCommandDeps): Promise<number> {
  const args = [...argv];
  const at = args.indexOf('--tenant');
  const tenant = at >= 0 ? args[at + 1] : undefined;
  if (at >= 0) args.splice(at, 2);
  const [path, ...rest] = args;
  if (!path || rest.length > 0 || !tenant) {
    deps.err(USAGE);
    return 2;
  }
  if (!TENANT_ID.test(tenant)) {
    deps.err(`invalid tenant id: expected ${TENANT_ID.source}`);
    return 2;
  }
  if (!existsSync(path)) {
    deps.err(`no such file or directory: ${path}`);
    return 2;
  }
  let lastProgress = 0;
  const summary = await importResources(items(inputFiles(path)), {
    store: deps.store,
    definitions: deps.definitions,
    scheme: deps.scheme,
    tenant,
    onProgress: (read) => {
      if (read - lastProgress >= PROGRESS_EVERY) {
        lastProgress = read;
        deps.err(`… ${read} read`);
      }
    },
  });
  deps.out(
    `imported into ${tenant}: ${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.invalid} invalid`,
  );
  for (const reason of summary.reasons) deps.out(`  invalid ${reason}`);
  return summary.invalid > 0 ? 1 : 0;
}

async function* items(files: readonly string[]): AsyncGenerator<InputItem> {
  for (const file of files) yield* readFhirFile(file);
}
