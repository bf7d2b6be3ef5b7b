import type { Coding, OperationOutcomeIssue } from 'fhir/r4';
import { resolveChoicePath } from './choice-path.ts';
import { outcomeIssue } from './operation-outcome.ts';
import { type CodeSet, canonicalWithoutVersion, type ValueSetExpansions } from './value-set-expansion.ts';

/** A coded value found under a required binding (as collected by @medplum/core's validator). */
export type BoundValue = { readonly type: string; readonly value: unknown; readonly path: string };

/**
 * Checks values of required bindings against the locally expanded value sets. Value sets we could
 * not expand are skipped rather than failing valid data. The message names the value set and the
 * path, not the offending code.
 */
export function checkRequiredBindings(
  expansions: ValueSetExpansions,
  boundValues: Readonly<Record<string, readonly BoundValue[]>>,
  resource: unknown,
): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  for (const [rawUrl, values] of Object.entries(boundValues)) {
    const url = canonicalWithoutVersion(rawUrl);
    const codeSet = expansions.byUrl.get(url);
    if (!codeSet) continue;
    for (const bound of values) {
      if (!isInValueSet(codeSet, bound)) {
        issues.push(
          outcomeIssue(
            'error',
            'code-invalid',
            `Value is not in the required value set ${url}`,
            resolveChoicePath(resource, bound.path),
          ),
        );
      }
    }
  }
  return issues;
}

function isInValueSet(codeSet: CodeSet, bound: BoundValue): boolean {
  switch (bound.type) {
    case 'code':
    case 'string':
    case 'uri': {
      const value = unboxed(bound.value);
      return typeof value === 'string' && codeSet.codes.has(value);
    }
    case 'Coding':
      return isCodingInValueSet(codeSet, bound.value as Coding);
    case 'CodeableConcept': {
      // A malformed `coding` (not an array) is a structure error reported elsewhere; never throw here.
      const codings: unknown = (bound.value as { coding?: unknown }).coding ?? [];
      if (!Array.isArray(codings)) return true;
      return codings.some((coding) => isCodingInValueSet(codeSet, coding as Coding));
    }
    default:
      // Quantities are bound to unit systems (UCUM) we do not expand.
      return true;
  }
}

/**
 * A primitive that carries extensions (`gender` with `_gender`) is collected as a boxed `String`
 * holding them, not as a plain string.
 */
function unboxed(value: unknown): unknown {
  return value instanceof String ? value.valueOf() : value;
}

function isCodingInValueSet(codeSet: CodeSet, coding: Coding): boolean {
  if (typeof coding !== 'object' || coding === null || coding.code === undefined) return false;
  return coding.system === undefined
    ? codeSet.codes.has(coding.code)
    : codeSet.systemCodes.has(`${coding.system}|${coding.code}`);
}
