import { describe, expect, it } from 'vitest';
import { loadFhirDefinitions } from './definitions.ts';
import exceptions from './hl7-example-exceptions.json' with { type: 'json' };
import { errorIssues } from './operation-outcome.ts';
import { supportedExamples } from './test-fixtures/hl7-examples.ts';
import { validateResource } from './validate-resource.ts';

/**
 * "0 false errors on valid ones": every HL7 R4 example of a supported type validates without errors,
 * except the exact errors allow-listed (with a reason) in hl7-example-exceptions.json.
 */

type ExpectedError = { code: string; expression: string; category: string; reason: string };

const EXPECTED: Readonly<Record<string, readonly ExpectedError[]>> = exceptions.examples;
const CATEGORIES: Readonly<Record<string, string>> = exceptions.categories;

const defs = loadFhirDefinitions();
const examples = supportedExamples();

function errorKeys(resource: unknown): string[] {
  return errorIssues(validateResource(defs, resource)).map(
    (issue) => `${issue.code} ${issue.expression?.[0] ?? '(no expression)'}`,
  );
}

/**
 * The validator reports unsupported contained resources alone (it cannot type-check past them), so the
 * rest of such an example is validated again without them: errors there would otherwise go unseen.
 */
function allErrorKeys(resource: Record<string, unknown>): string[] {
  const keys = errorKeys(resource);
  const contained = resource.contained;
  if (!Array.isArray(contained)) return keys;
  const kept = contained.filter((item: { resourceType?: unknown }) =>
    defs.resourceTypes.includes(String(item.resourceType)),
  );
  if (kept.length === contained.length) return keys;
  const { contained: _all, ...rest } = resource;
  const withoutUnsupported = kept.length > 0 ? { ...rest, contained: kept } : rest;
  return [...keys, ...errorKeys(withoutUnsupported)];
}

describe('HL7 R4 examples of supported types', () => {
  it('are found', () => {
    // R4 4.0.1 ships 383 examples of the currently supported types.
    expect(examples.length).toBeGreaterThan(300);
  });

  it.each(examples.map((example) => [example.file, example] as const))(
    '%s has no errors but the allow-listed ones',
    (file, example) => {
      const expected = (EXPECTED[file] ?? []).map((error) => `${error.code} ${error.expression}`);
      expect(allErrorKeys(example.resource).sort()).toEqual([...expected].sort());
    },
  );
});

describe('hl7-example-exceptions.json', () => {
  it('lists only supported examples, each error with a known category and a reason', () => {
    const files = new Set(examples.map((example) => example.file));
    for (const [file, errors] of Object.entries(EXPECTED)) {
      expect(files.has(file), file).toBe(true);
      expect(errors.length, file).toBeGreaterThan(0);
      for (const error of errors) {
        expect(Object.keys(CATEGORIES), `${file} ${error.expression}`).toContain(error.category);
        expect(error.reason.length, `${file} ${error.expression}`).toBeGreaterThan(10);
      }
    }
  });
});
