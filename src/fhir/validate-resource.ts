import { validateResource as medplumValidate, OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome, OperationOutcomeIssue, Resource } from 'fhir/r4';
import { resolveChoicePath } from './choice-path.ts';
import { findConflictingChoiceTypes } from './choice-type-check.ts';
import { checkDatatypeInvariants } from './datatype-invariants.ts';
import type { FhirDefinitions } from './definitions.ts';
import { operationOutcome, outcomeIssue } from './operation-outcome.ts';
import { absoluteReferenceType } from './references.ts';
import { type BoundValue, checkRequiredBindings } from './required-binding-check.ts';
import { checkResourceIds } from './resource-id-check.ts';
import { valueAtPath } from './value-at-path.ts';

/**
 * Validates a resource against the R4 base definitions: structure, cardinality, datatypes and
 * formats, FHIRPath invariants (by @medplum/core), plus what it does not enforce: codes of required
 * bindings, invariants declared on datatypes, single-typed choice elements and the id format. Where
 * medplum is stricter than R4 (absolute references, whitespace in base64Binary) R4 wins.
 * Never throws for bad input.
 */
export function validateResource(
  defs: FhirDefinitions,
  resource: unknown,
  options: ValidateOptions = {},
): OperationOutcome {
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
    return operationOutcome([outcomeIssue('error', 'structure', 'A resource must be a JSON object')]);
  }
  const resourceType = (resource as { resourceType?: unknown }).resourceType;
  if (typeof resourceType !== 'string') {
    return operationOutcome([outcomeIssue('error', 'required', 'Missing resourceType', 'resourceType')]);
  }
  if (!defs.resourceTypes.includes(resourceType)) {
    return operationOutcome([
      outcomeIssue(
        'error',
        'not-supported',
        `Resource type ${safeName(resourceType)} is not supported`,
        'resourceType',
      ),
    ]);
  }
  // The fast path only ever answers "no issue"; anything else is the full validator's to report.
  if (options.fastPath !== false && defs.fastValidator.accepts(resource as Record<string, unknown>)) {
    return operationOutcome([]);
  }
  const unsupportedContained = findUnsupportedContained(defs, resource as Resource);
  // The validator stops at the first unknown type, so report these alone rather than a partial result.
  if (unsupportedContained.length > 0) return operationOutcome(unsupportedContained);
  const boundValues: Record<string, BoundValue[]> = {};
  return operationOutcome([
    ...runMedplumValidator(resource as Resource, boundValues),
    ...checkResourceIds(resource as Record<string, unknown>),
    ...findConflictingChoiceTypes(resource as Record<string, unknown>),
    ...checkDatatypeInvariants(defs.datatypeInvariants, resource as Record<string, unknown>),
    ...checkRequiredBindings(defs.requiredValueSets, boundValues, resource),
  ]);
}

export type ValidateOptions = {
  /** false: always run the full validator (tests compare both paths). */
  readonly fastPath?: boolean;
};

function findUnsupportedContained(defs: FhirDefinitions, resource: Resource): OperationOutcomeIssue[] {
  const contained = (resource as { contained?: unknown }).contained;
  if (!Array.isArray(contained)) return [];
  return contained.flatMap((item: unknown, index) => {
    const type = (item as { resourceType?: unknown } | null)?.resourceType;
    if (typeof type !== 'string' || defs.resourceTypes.includes(type)) return [];
    const path = `${resource.resourceType}.contained[${index}]`;
    return [
      outcomeIssue(
        'error',
        'not-supported',
        `Contained resource type ${safeName(type)} is not supported`,
        path,
      ),
    ];
  });
}

function runMedplumValidator(
  resource: Resource,
  boundValues: Record<string, BoundValue[]>,
): OperationOutcomeIssue[] {
  const collect = { tokens: boundValues as Record<string, never[]> };
  try {
    return medplumValidate(resource, { collect }).flatMap((issue) => normalizeIssue(issue, resource));
  } catch (error) {
    if (error instanceof OperationOutcomeError) {
      const issues = (error.outcome.issue ?? []) as OperationOutcomeIssue[];
      return issues.flatMap((issue) => normalizeIssue(issue, resource));
    }
    // e.g. a contained resource of a type whose definition we did not load.
    const unknownType =
      error instanceof Error ? /^Unknown data type: ([A-Za-z]+)$/.exec(error.message)?.[1] : undefined;
    const text = unknownType
      ? `Type ${unknownType} is not supported here`
      : 'The resource could not be validated';
    return [outcomeIssue('error', unknownType ? 'not-supported' : 'processing', text, resource.resourceType)];
  }
}

/**
 * Re-creates each @medplum/core issue from its (concrete) path and a message we know carries no resource
 * values. Its duplicate-choice warning is dropped: findConflictingChoiceTypes reports it as an error.
 */
function normalizeIssue(issue: OperationOutcomeIssue, resource: Resource): OperationOutcomeIssue[] {
  const text = issue.details?.text ?? issue.diagnostics ?? 'Invalid value';
  if (text.startsWith('Conflicting choice of type properties')) return [];
  const reported = issue.expression?.[0];
  const expression = reported === undefined ? undefined : resolveChoicePath(resource, reported);
  if (text.startsWith('Invalid reference: got')) {
    if (expression !== undefined && isAllowedAbsoluteReference(resource, expression, text)) return [];
    // Medplum only warns, and quotes the start of the reference string, which is data. The gateway
    // must only emit references it can resolve, so a wrong target type is an error here.
    return [
      outcomeIssue('error', 'structure', 'Reference points to a resource type not allowed here', expression),
    ];
  }
  if (text === 'Invalid base64Binary format' && expression !== undefined) {
    const value = valueAtPath(resource, expression);
    const compact = typeof value === 'string' ? value.replace(/\s+/g, '') : '';
    if (isBase64(compact)) {
      // Medplum stops at the format error, before its size limit, so apply that limit here.
      return decodedLength(compact) > BASE64_MAX_BYTES
        ? [outcomeIssue('error', 'structure', `base64Binary exceeds ${BASE64_MAX_BYTES} bytes`, expression)]
        : [];
    }
  }
  if (issue.code === 'processing') {
    // Its diagnostics embed the raw evaluation error, which may quote data.
    return [outcomeIssue(issue.severity, issue.code, text, expression)];
  }
  const fhirpath = fhirpathOf(issue);
  const normalized = outcomeIssue(issue.severity, issue.code, text, expression);
  return [fhirpath === undefined ? normalized : { ...normalized, diagnostics: `${text} (${fhirpath})` }];
}

/**
 * Medplum takes a reference's type from its first path segment, which for an absolute URL is the
 * scheme. An absolute reference is allowed if its REST form names an allowed type, or if it names no
 * type at all (`http://example.org/plans/123`): nothing says it points at a wrong one.
 */
function isAllowedAbsoluteReference(resource: Resource, expression: string, text: string): boolean {
  const reference = (valueAtPath(resource, expression) as { reference?: unknown } | undefined)?.reference;
  if (typeof reference !== 'string' || !/^https?:\/\//.test(reference)) return false;
  const type = absoluteReferenceType(reference);
  return type === undefined || allowedTargetTypes(text).includes(type);
}

/** The target types from medplum's `…, expected "<profile url>", "<profile url>"` (definition data, not resource data). */
function allowedTargetTypes(text: string): string[] {
  const expected = text.slice(text.lastIndexOf(', expected "') + ', expected "'.length);
  return [...expected.matchAll(/http:\/\/hl7\.org\/fhir\/StructureDefinition\/([A-Za-z]+)"/g)].flatMap(
    (match) => (match[1] === undefined ? [] : [match[1]]),
  );
}

/** @medplum/core's default limit on a decoded base64Binary. */
const BASE64_MAX_BYTES = 1024 * 1024;

/**
 * Whether a base64Binary, with its whitespace removed, is well formed. R4 allows whitespace between
 * the groups (its regex is `(\s*([0-9a-zA-Z\+\=]){4}\s*)+`; line-wrapped MIME base64 is common), which
 * medplum rejects.
 */
function isBase64(compact: string): boolean {
  return compact.length > 0 && compact.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact);
}

function decodedLength(compact: string): number {
  const padding = compact.endsWith('==') ? 2 : compact.endsWith('=') ? 1 : 0;
  return (compact.length / 4) * 3 - padding;
}

function fhirpathOf(issue: OperationOutcomeIssue): string | undefined {
  if (issue.code !== 'invariant' || !issue.diagnostics) return undefined;
  try {
    const parsed = JSON.parse(issue.diagnostics) as { fhirpath?: unknown };
    return typeof parsed.fhirpath === 'string' ? parsed.fhirpath : undefined;
  } catch {
    return undefined;
  }
}

/** Resource type names are not PHI, but the field is caller-supplied: echo it only if it looks like a type. */
function safeName(name: string): string {
  return /^[A-Z][A-Za-z]{0,63}$/.test(name) ? name : '(invalid name)';
}
