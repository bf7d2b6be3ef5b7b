import type { OperationOutcomeIssue } from 'fhir/r4';
import { outcomeIssue } from './operation-outcome.ts';

export const FHIR_ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * R4 types Resource.id as a plain string in its StructureDefinitions, so validators built on them
 * do not check the id format. Ids travel into references and URLs, so the gateway checks them.
 */
export function checkResourceIds(resource: Record<string, unknown>): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const type = String(resource.resourceType);
  checkId(resource.id, `${type}.id`, issues);
  const contained = resource.contained;
  if (Array.isArray(contained)) {
    contained.forEach((item: unknown, index) => {
      if (typeof item === 'object' && item !== null) {
        checkId((item as { id?: unknown }).id, `${type}.contained[${index}].id`, issues);
      }
    });
  }
  return issues;
}

function checkId(id: unknown, path: string, issues: OperationOutcomeIssue[]): void {
  if (id === undefined) return;
  if (typeof id !== 'string' || !FHIR_ID_PATTERN.test(id)) {
    issues.push(
      outcomeIssue('error', 'structure', `Invalid id format: expected ${FHIR_ID_PATTERN.source}`, path),
    );
  }
}
