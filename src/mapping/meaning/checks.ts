import type { Resource } from 'fhir/r4';
import type { LocalDefinitions } from '../local-definitions.ts';
import { localDefinitionProblems } from './local-definitions-check.ts';
import {
  profileProblems,
  US_CORE_IMPLANTABLE_DEVICE,
  US_CORE_PATIENT,
  vitalSignProfile,
} from './profiles.ts';

/**
 * Checks of meaning over a set of mapped resources: what schema validation cannot see
 * (docs/mapping-decisions.md, "Checks of meaning"). Each problem is `Type/id path: what`, naming
 * paths and codes, never values.
 */
export type MeaningOptions = {
  /** Resource types references may name without the target being in the set (declared external). */
  readonly externalTypes?: ReadonlySet<string>;
  /** Run the profile checks (vital signs, US Core Patient). */
  readonly profiles?: boolean;
  /**
   * At most this many resources per profile are profile-checked (the validator takes ~10 ms per
   * resource, and one template gives every resource of a profile its shape). Default: all.
   */
  readonly profileLimit?: number;
  /** The gateway's published CodeSystems, NamingSystems and extensions: every local URL must be one. */
  readonly definitions?: LocalDefinitions;
};

type Json = Record<string, unknown>;
type Visit = (value: unknown, path: string, key: string) => void;

function walk(value: unknown, path: string, key: string, visit: Visit): void {
  visit(value, path, key);
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) walk(item, `${path}[${i}]`, key, visit);
  } else if (typeof value === 'object' && value !== null) {
    for (const [child, item] of Object.entries(value)) walk(item, `${path}.${child}`, child, visit);
  }
}

/** LOINC's mod-10 check digit (the Luhn variant LOINC documents) of a code `NNNNN-C`. */
export function loincCheckDigitOk(code: string): boolean {
  const match = /^(\d{1,7})-(\d)$/.exec(code);
  if (!match?.[1] || match[2] === undefined) return false;
  const digits = match[1].split('').reverse().map(Number);
  let sum = 0;
  digits.forEach((digit, i) => {
    if (i % 2 === 0) {
      const doubled = digit * 2;
      sum += doubled > 9 ? doubled - 9 : doubled;
    } else sum += digit;
  });
  return (10 - (sum % 10)) % 10 === Number(match[2]);
}

/** A GS1 GTIN-14 (a UDI's device identifier): 14 digits, the last the GS1 mod-10 check digit. */
export function gtinCheckDigitOk(gtin: string): boolean {
  if (!/^\d{14}$/.test(gtin)) return false;
  const digits = gtin.split('').map(Number);
  const check = digits.pop();
  // Weights 3, 1, 3… from the digit next to the check digit leftwards.
  const sum = digits.reverse().reduce((total, digit, i) => total + digit * (i % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10 === check;
}

const GS1_DI = 'http://hl7.org/fhir/NamingSystem/gs1-di';

/** A GS1 UDI carrier: a valid GTIN, and the human-readable form carries the same one after (01). */
function udiProblems(device: Json, say: (path: string, what: string) => void): void {
  const carriers = (device.udiCarrier as Json[] | undefined) ?? [];
  for (const [i, carrier] of carriers.entries()) {
    if (carrier.issuer !== GS1_DI || typeof carrier.deviceIdentifier !== 'string') continue;
    const path = `Device.udiCarrier[${i}]`;
    if (!gtinCheckDigitOk(carrier.deviceIdentifier)) say(path, 'GS1 device identifier fails its check digit');
    const hrf = carrier.carrierHRF;
    if (typeof hrf === 'string' && !hrf.startsWith(`(01)${carrier.deviceIdentifier}`)) {
      say(path, 'carrierHRF names another device identifier');
    }
  }
}

function isVitalSign(observation: Json): boolean {
  const categories = (observation.category as Array<{ coding?: Array<{ code?: string }> }> | undefined) ?? [];
  return categories.some((category) => category.coding?.some((coding) => coding.code === 'vital-signs'));
}

function hasLoinc(concept: unknown): boolean {
  const codings = (concept as { coding?: Array<{ system?: string; code?: string }> } | undefined)?.coding;
  return codings?.some((coding) => coding.system === 'http://loinc.org' && Boolean(coding.code)) ?? false;
}

/** Chart resources that mean nothing without their patient (US Core makes subject/patient 1..1). */
const ABOUT_A_PATIENT = new Set([
  'Observation',
  'DiagnosticReport',
  'Condition',
  'AllergyIntolerance',
  'MedicationRequest',
  'MedicationStatement',
  'Procedure',
  'Immunization',
  'CarePlan',
  'DocumentReference',
  'Coverage',
  'CareTeam',
  'Device',
  'CoverageEligibilityResponse',
  'ClaimResponse',
]);

/** Elements of type Identifier in the gateway's resources. */
const IDENTIFIER_KEYS = new Set([
  'identifier',
  'paymentIdentifier',
  'masterIdentifier',
  'groupIdentifier',
  'valueIdentifier',
]);

const MONEY_KEYS =
  /^(amount|price|priceOverride|paymentAmount|net|unitPrice|gross|total|benefit|payment|money)$/;

/** The patient a resource is about (subject or patient reference naming a Patient). */
function patientOf(resource: Json): string | undefined {
  for (const key of ['subject', 'patient', 'beneficiary']) {
    const reference = (resource[key] as { reference?: string } | undefined)?.reference;
    if (reference?.startsWith('Patient/')) return reference;
  }
  return undefined;
}

const LOINC = 'http://loinc.org';
/** UCUM units of height and weight to metres and kilograms. */
const TO_METRES: Record<string, number> = { cm: 0.01, m: 1, '[in_i]': 0.0254 };
const TO_KG: Record<string, number> = { kg: 1, g: 0.001, '[lb_av]': 0.45359237 };

type Quantity = { value?: number; code?: string };
function vitalOf(resource: Json, loinc: string): Quantity | undefined {
  const coded = (resource.code as { coding?: Array<{ system?: string; code?: string }> } | undefined)?.coding;
  return coded?.some((coding) => coding.system === LOINC && coding.code === loinc)
    ? (resource.valueQuantity as Quantity | undefined)
    : undefined;
}

/** A BMI Observation agrees (±0.5 kg/m²) with the height and weight taken at the same encounter. */
function bmiProblems(resources: readonly Resource[]): string[] {
  const byEncounter = new Map<
    string,
    { height?: Quantity; weight?: Quantity; bmi?: Quantity; key?: string }
  >();
  for (const resource of resources) {
    const json = resource as unknown as Json;
    const encounter = (json.encounter as { reference?: string } | undefined)?.reference;
    if (resource.resourceType !== 'Observation' || !encounter) continue;
    const entry = byEncounter.get(encounter) ?? {};
    const height = vitalOf(json, '8302-2');
    const weight = vitalOf(json, '29463-7');
    const bmi = vitalOf(json, '39156-5');
    if (height) entry.height = height;
    if (weight) entry.weight = weight;
    if (bmi) Object.assign(entry, { bmi, key: `Observation/${resource.id}` });
    byEncounter.set(encounter, entry);
  }
  const problems: string[] = [];
  for (const { height, weight, bmi, key } of byEncounter.values()) {
    const metres = (height?.value ?? 0) * (TO_METRES[height?.code ?? ''] ?? 0);
    const kg = (weight?.value ?? 0) * (TO_KG[weight?.code ?? ''] ?? 0);
    if (!bmi || metres === 0 || kg === 0 || bmi.value === undefined) continue;
    if (Math.abs(kg / (metres * metres) - bmi.value) > 0.5) {
      problems.push(
        `${key} Observation.valueQuantity: BMI disagrees with the height and weight of its encounter`,
      );
    }
  }
  return problems;
}

export function meaningProblems(resources: readonly Resource[], options: MeaningOptions = {}): string[] {
  const problems: string[] = [];
  const byKey = new Map(resources.map((resource) => [`${resource.resourceType}/${resource.id}`, resource]));
  const external = options.externalTypes ?? new Set<string>();
  const profiled = new Map<string, number>();
  const checkProfile = (resource: Resource, url: string, say: (path: string, what: string) => void) => {
    const seen = profiled.get(url) ?? 0;
    if (seen >= (options.profileLimit ?? Number.POSITIVE_INFINITY)) return;
    profiled.set(url, seen + 1);
    for (const problem of profileProblems(resource, url)) say(url, problem);
  };

  for (const resource of resources) {
    const self = `${resource.resourceType}/${resource.id}`;
    const say = (path: string, what: string) => problems.push(`${self} ${path}: ${what}`);

    walk(resource, resource.resourceType, '', (value, path, key) => {
      if (Array.isArray(value)) {
        const references = value
          .map((item) => (item as { reference?: unknown } | null)?.reference)
          .filter((reference): reference is string => typeof reference === 'string');
        if (new Set(references).size !== references.length) say(path, 'duplicate references');
        return;
      }
      if (typeof value !== 'object' || value === null) return;
      const object = value as Json;
      if (typeof object.reference === 'string' && key !== 'meta') {
        const reference = object.reference;
        const type = reference.split('/')[0] ?? '';
        if (!byKey.has(reference) && !external.has(type)) say(path, `reference to ${type} not emitted`);
      }
      if (IDENTIFIER_KEYS.has(key) && (typeof object.system !== 'string' || object.system === '')) {
        say(path, 'identifier without system');
      }
      const isCoding = key === 'coding' || key === 'valueCoding' || key === 'tag' || key === 'security';
      if (isCoding) {
        if (typeof object.code !== 'string') say(path, 'coding without code');
        if (typeof object.system !== 'string') say(path, 'coding without system');
        if (object.system === 'http://loinc.org' && typeof object.code === 'string') {
          if (!loincCheckDigitOk(object.code)) say(path, `LOINC ${object.code} fails its check digit`);
        }
      }
      if (MONEY_KEYS.test(key) && typeof object.value === 'number' && Object.keys(object).length === 1) {
        say(path, 'money without currency');
      }
    });

    const json = resource as unknown as Json;
    if (resource.resourceType === 'Encounter' && json.status === 'finished') {
      if (!(json.period as Json | undefined)?.end) say('Encounter.period', 'finished without end');
    }
    if (ABOUT_A_PATIENT.has(resource.resourceType) && !patientOf(json)) {
      say(`${resource.resourceType}.subject`, 'no patient');
    }
    if (resource.resourceType === 'Device') udiProblems(json, say);
    if (resource.resourceType === 'DocumentReference') {
      if (!json.type) say('DocumentReference.type', 'missing');
      const contents = (json.content as Array<{ attachment?: Json }> | undefined) ?? [];
      if (contents.some((content) => !content.attachment?.contentType)) {
        say('DocumentReference.content.attachment', 'without contentType');
      }
    }

    // A resource about a patient agrees with its encounter (or ChargeItem context) on the patient.
    const patient = patientOf(json);
    for (const key of ['encounter', 'context']) {
      const reference = (json[key] as { reference?: string } | undefined)?.reference;
      const encounter = reference?.startsWith('Encounter/') ? byKey.get(reference) : undefined;
      const other = encounter ? patientOf(encounter as unknown as Json) : undefined;
      if (patient && other && other !== patient)
        say(`${resource.resourceType}.${key}`, 'encounter of another patient');
    }

    // Every vital-signs profile fixes the LOINC code: text alone (or a local code) is no vital sign.
    if (resource.resourceType === 'Observation' && isVitalSign(json) && !hasLoinc(json.code)) {
      say('Observation.code', 'vital sign without a LOINC code');
    }

    if (options.profiles) {
      if (resource.resourceType === 'Patient') checkProfile(resource, US_CORE_PATIENT, say);
      if (resource.resourceType === 'Device') checkProfile(resource, US_CORE_IMPLANTABLE_DEVICE, say);
      if (resource.resourceType === 'Observation') {
        const profile = vitalSignProfile(json);
        if (profile) checkProfile(resource, profile, say);
      }
    }
  }
  const undefinedUrls = options.definitions ? localDefinitionProblems(resources, options.definitions) : [];
  return [...problems, ...bmiProblems(resources), ...undefinedUrls];
}
