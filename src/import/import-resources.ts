import type { Coding, Identifier, Resource } from 'fhir/r4';
import type { FhirDefinitions } from '../fhir/definitions.ts';
import { connectionSource, type IdentityScheme, sourceSystemTagSystem } from '../fhir/identity.ts';
import { errorIssues } from '../fhir/operation-outcome.ts';
import { hasIdentifierElement } from '../fhir/provenance.ts';
import { validateResource } from '../fhir/validate-resource.ts';
import type { PutOutcome, Store } from '../store/port.ts';
import type { InputItem } from './read-fhir-input.ts';

/** Imported resources are a source of their own: this is their connection id and source-system code. */
export const IMPORT_SOURCE = 'fhir-import';

export type ImportSummary = {
  created: number;
  updated: number;
  unchanged: number;
  invalid: number;
  /** One line per invalid item: where it was and why (paths and codes, never values). */
  reasons: string[];
};

export type ImportOptions = {
  readonly store: Store;
  readonly definitions: FhirDefinitions;
  readonly scheme: IdentityScheme;
  readonly tenant: string;
  /** Resources written per store batch. */
  readonly batchSize?: number;
  /** Called after each batch with the running total of items read. */
  readonly onProgress?: (read: number) => void;
};

/**
 * Validates and writes resources into one tenant, keeping their ids, stamped as coming from the
 * `fhir-import` source (meta.source, the source-system tag, and an identifier per docs/identity.md).
 * Invalid items are counted with their reason and skipped; nothing valid is lost because of them.
 */
export async function importResources(
  items: AsyncIterable<InputItem>,
  options: ImportOptions,
): Promise<ImportSummary> {
  const summary: ImportSummary = { created: 0, updated: 0, unchanged: 0, invalid: 0, reasons: [] };
  const batchSize = options.batchSize ?? 500;
  await options.store.tenants.ensure(options.tenant);
  let batch: Resource[] = [];
  let read = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const results = await options.store.resources.putMany(options.tenant, batch, {
      connection: IMPORT_SOURCE,
    });
    for (const result of results) count(summary, result.outcome);
    batch = [];
    options.onProgress?.(read);
  };
  for await (const item of items) {
    read += 1;
    if ('error' in item) {
      invalid(summary, item.where, item.error);
      continue;
    }
    const problem = check(options.definitions, item.value);
    if (problem) {
      invalid(summary, item.where, problem);
      continue;
    }
    batch.push(stampImport(options.scheme, item.value as Resource));
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return summary;
}

function check(definitions: FhirDefinitions, value: unknown): string | undefined {
  const resource = value as Resource | null;
  if (resource && typeof resource === 'object' && typeof resource.id !== 'string')
    return 'the resource has no id (an import keeps ids, so each resource needs one)';
  const errors = errorIssues(validateResource(definitions, value));
  if (errors.length === 0) return undefined;
  return errors
    .slice(0, 3)
    .map(
      (issue) =>
        `${issue.code}${issue.expression ? ` at ${issue.expression.join(',')}` : ''}: ${issue.diagnostics ?? ''}`,
    )
    .join('; ');
}

function count(summary: ImportSummary, outcome: PutOutcome): void {
  summary[outcome] += 1;
}

function invalid(summary: ImportSummary, where: string, reason: string): void {
  summary.invalid += 1;
  summary.reasons.push(`${where}: ${reason}`);
}

/** Provenance of an imported resource; idempotent, so re-importing the same file changes nothing. */
export function stampImport<T extends Resource>(scheme: IdentityScheme, resource: T): T {
  const tagSystem = sourceSystemTagSystem(scheme);
  const tag: Coding = { system: tagSystem, code: IMPORT_SOURCE, display: 'FHIR import' };
  const meta = resource.meta ?? {};
  const stamped = {
    ...resource,
    meta: {
      ...meta,
      source: connectionSource(IMPORT_SOURCE),
      tag: [...(meta.tag ?? []).filter((existing) => existing.system !== tagSystem), tag],
    },
  } as T & { identifier?: Identifier | Identifier[] };
  if (hasIdentifierElement(resource.resourceType) && Array.isArray(stamped.identifier ?? [])) {
    const system = `${scheme.baseUrl}/sid/${IMPORT_SOURCE}/${IMPORT_SOURCE}/${resource.resourceType}`;
    const existing = (stamped.identifier as Identifier[] | undefined) ?? [];
    stamped.identifier = [
      ...existing.filter((identifier) => identifier.system !== system),
      { use: 'secondary', system, value: resource.id as string },
    ];
  }
  return stamped;
}
