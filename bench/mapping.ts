/**
 * Mapping benchmark: records/s through the engine next to a hand-written TypeScript function that
 * produces the identical resource (checked once per record before timing), for DrChrono patients,
 * problems, allergies, care team members, implantable devices, eligibility checks and authorisations,
 * Jane appointments and Epic Observations. Two figures each: "transform" (template + provenance,
 * what the engine adds over plain code) and "pipeline" (plus FHIR validation, what a sync pays).
 * Each figure is the best of `rounds` runs, engine and hand-written alternating, so that load from
 * other processes on a shared machine (which only ever slows a run down) distorts ratios less.
 * Usage: node bench/mapping.ts [--records N] [--seconds S] [--rounds R] [--only <text in a case name>]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import type { ConceptMap, Resource } from 'fhir/r4';
import type { FhirDefinitions } from '../src/fhir/definitions.ts';
import { createIdentityScheme, type SourceSystem } from '../src/fhir/identity.ts';
import { applyProvenance } from '../src/fhir/provenance.ts';
import { type ConnectionScope, gatewayReference, rewriteFhirReferences } from '../src/fhir/references.ts';
import { validateResource } from '../src/fhir/validate-resource.ts';
import { createDateTimeNormalizer } from '../src/mapping/date-time.ts';
import { loadMappingSet } from '../src/mapping/load-mapping-set.ts';
import { loadMappingDefinitions } from '../src/mapping/mapping-definitions.ts';
import type { MappingSet } from '../src/mapping/mapping-set.ts';
import type { RunState } from '../src/mapping/run-state.ts';
import { generateDrChronoDataset } from '../src/simulators/drchrono/dataset.ts';
import { generateEpicDataset } from '../src/simulators/epic/dataset.ts';
import { generateJaneDataset } from '../src/simulators/jane/dataset.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '3' },
    only: { type: 'string', default: '' },
  },
});
const recordCount = Number(values.records);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const mappingsDir = join(import.meta.dirname, '..', 'mappings');
const scheme = createIdentityScheme();
const defs = loadMappingDefinitions();
const set = loadMappingSet({ dir: mappingsDir, defs, scheme, sources: ['drchrono', 'jane', 'epic'] });
const dates = createDateTimeNormalizer();

// biome-ignore lint/suspicious/noExplicitAny: native records and hand-built FHIR JSON are read freely here
type Json = Record<string, any>;
type HandWritten = (record: Json, scope: ConnectionScope) => Resource;

// ---- hand-written equivalents ------------------------------------------------------------------

/** A ConceptMap lookup the way hand-written code would do it: one Map per map, built once. */
function codeTable(id: string) {
  const map = JSON.parse(readFileSync(join(mappingsDir, 'conceptmaps', `${id}.json`), 'utf8')) as ConceptMap;
  const group = map.group?.[0];
  const table = new Map<string, { code: string; display?: string }>();
  for (const element of group?.element ?? []) {
    const target = element.target?.[0];
    if (element.code && target?.code) table.set(element.code, { code: target.code, display: target.display });
  }
  return (code: string) => {
    const found =
      table.get(code) ??
      (group?.unmapped?.mode === 'fixed'
        ? { code: group.unmapped.code as string, display: group.unmapped.display }
        : undefined);
    if (!found) throw new Error(`unmapped code in ${id}`);
    return {
      system: group?.target as string,
      code: found.code,
      ...(found.display ? { display: found.display } : {}),
    };
  };
}
const gender = codeTable('drchrono-patient-gender');
const language = codeTable('drchrono-language');
const race = codeTable('drchrono-race');
const ethnicity = codeTable('drchrono-ethnicity');
const appointmentState = codeTable('jane-appointment-state');
const problemStatus = codeTable('drchrono-problem-status');
const problemVerification = codeTable('drchrono-problem-verification');
const problemCategory = codeTable('drchrono-problem-category');
const allergyStatus = codeTable('drchrono-allergy-status');
const allergyVerification = codeTable('drchrono-allergy-verification');

const blank = (value: unknown) => value === undefined || value === null || value === '';
const text = (value: unknown) => (blank(value) ? undefined : (value as string));
function compact<T extends Json>(object: T): T | undefined {
  const out: Json = {};
  for (const [key, value] of Object.entries(object)) {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    out[key] = value;
  }
  return Object.keys(out).length === 0 ? undefined : (out as T);
}
const list = <T = Json>(...items: Array<T | undefined>) =>
  items.filter((item): item is T => item !== undefined);

const drchronoPatient: HandWritten = (r, scope) => {
  const doctor = (id: unknown) =>
    gatewayReference(scope, { resourceType: 'Practitioner', sourceType: 'doctors', nativeId: String(id) });
  const contact = (code: Json, relation: unknown, name: unknown, telecom: Json[]) =>
    blank(name)
      ? undefined
      : { relationship: [compact({ coding: [code], text: text(relation) })], name: { text: name }, telecom };
  const raceCode = !blank(r.race) && !['blank', 'declined'].includes(r.race) ? race(r.race) : undefined;
  const ethnicityCode =
    !blank(r.ethnicity) && !['blank', 'declined'].includes(r.ethnicity) ? ethnicity(r.ethnicity) : undefined;
  const resource = compact({
    resourceType: 'Patient',
    identifier: list(
      blank(r.chart_id)
        ? undefined
        : {
            use: 'usual',
            system: `urn:fhir-gateway:sid:drchrono:${scope.connectionId}:chart-id`,
            type: {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/v2-0203',
                  code: 'MR',
                  display: 'Medical record number',
                },
              ],
              text: 'DrChrono chart id',
            },
            value: r.chart_id,
          },
    ),
    active: r.patient_status === undefined ? undefined : r.patient_status === 'A',
    name: list(
      compact({
        use: 'official',
        given: list(text(r.first_name), text(r.middle_name)),
        family: text(r.last_name),
      }),
      blank(r.nick_name)
        ? undefined
        : compact({ use: 'nickname', given: [r.nick_name], family: text(r.last_name) }),
    ),
    telecom: list(
      blank(r.cell_phone) ? undefined : { system: 'phone', value: r.cell_phone, use: 'mobile' },
      blank(r.home_phone) ? undefined : { system: 'phone', value: r.home_phone, use: 'home' },
      blank(r.office_phone) ? undefined : { system: 'phone', value: r.office_phone, use: 'work' },
      blank(r.email) ? undefined : { system: 'email', value: r.email },
    ),
    gender: blank(r.gender) ? undefined : gender(r.gender).code,
    birthDate: dates.dateOnly(r.date_of_birth, 'birthDate'),
    deceasedDateTime: dates.dateOnly(r.date_of_death, 'deceasedDateTime'),
    deceasedBoolean: r.patient_status === 'D' && blank(r.date_of_death) ? true : undefined,
    address: list(
      compact({
        use: 'home',
        line: list(text(r.address)),
        city: text(r.city),
        state: text(r.state),
        postalCode: text(r.zip_code),
      }),
    ),
    contact: list(
      contact(
        { system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: 'C', display: 'Emergency Contact' },
        r.emergency_contact_relation,
        r.emergency_contact_name,
        [compact({ system: 'phone', value: text(r.emergency_contact_phone) }) as Json],
      ),
      contact(
        {
          system: 'urn:fhir-gateway:codesystem:drchrono:contact-role',
          code: 'responsible-party',
          display: 'Responsible party',
        },
        r.responsible_party_relation,
        r.responsible_party_name,
        [
          compact({ system: 'phone', value: text(r.responsible_party_phone) }) as Json,
          compact({ system: 'email', value: text(r.responsible_party_email) }) as Json,
        ],
      ),
    ),
    communication:
      blank(r.preferred_language) || ['blank', 'other', 'unknown', 'declined'].includes(r.preferred_language)
        ? undefined
        : [{ language: { coding: [language(r.preferred_language)] }, preferred: true }],
    generalPractitioner: list(
      r.doctor === undefined || r.doctor === null ? undefined : doctor(r.doctor),
      r.primary_care_physician === undefined ||
        r.primary_care_physician === null ||
        String(r.primary_care_physician) === String(r.doctor)
        ? undefined
        : doctor(r.primary_care_physician),
    ),
    extension: list(
      raceCode && {
        url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race',
        extension: list<Json>(
          { url: r.race === 'other' ? 'detailed' : 'ombCategory', valueCoding: raceCode },
          raceCode.display ? { url: 'text', valueString: raceCode.display } : { url: 'text' },
        ),
      },
      ethnicityCode && {
        url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity',
        extension: list<Json>(
          { url: 'ombCategory', valueCoding: ethnicityCode },
          ethnicityCode.display ? { url: 'text', valueString: ethnicityCode.display } : { url: 'text' },
        ),
      },
    ),
  }) as Resource;
  return applyProvenance(scheme, resource, { ...scope, sourceType: 'patients', nativeId: String(r.id) });
};

const drchronoProblem: HandWritten = (r, scope) => {
  const ref = (resourceType: string, sourceType: string, id: unknown) =>
    blank(id) ? undefined : gatewayReference(scope, { resourceType, sourceType, nativeId: String(id) });
  const enteredInError = r.verification_status === 'entered-in-error';
  const resource = compact({
    resourceType: 'Condition',
    extension: blank(r.date_diagnosis)
      ? undefined
      : [
          {
            url: 'http://hl7.org/fhir/StructureDefinition/condition-assertedDate',
            valueDateTime: dates.dateOnly(r.date_diagnosis, 'assertedDate'),
          },
        ],
    clinicalStatus: enteredInError ? undefined : { coding: [problemStatus(r.status)] },
    verificationStatus: blank(r.verification_status)
      ? undefined
      : { coding: [problemVerification(r.verification_status)] },
    category: [{ coding: [problemCategory(blank(r.category) ? 'problem-list-item' : r.category)] }],
    code: compact({
      coding: list(
        blank(r.icd_code)
          ? undefined
          : {
              system:
                r.icd_version === '9'
                  ? 'http://hl7.org/fhir/sid/icd-9-cm'
                  : 'http://hl7.org/fhir/sid/icd-10-cm',
              code: r.icd_code,
            },
        blank(r.snomed_ct_code) ? undefined : { system: 'http://snomed.info/sct', code: r.snomed_ct_code },
      ),
      text: text(r.name),
    }),
    subject: ref('Patient', 'patients', r.patient),
    encounter: ref('Encounter', 'appointments', r.appointment),
    onsetDateTime: dates.dateOnly(r.date_onset, 'onset'),
    abatementDateTime: dates.dateOnly(r.abatement_date, 'abatement'),
    recorder: ref('Practitioner', 'doctors', r.doctor),
    note: list(
      blank(r.description) ? undefined : { id: 'description', text: r.description },
      blank(r.notes) ? undefined : { id: 'notes', text: r.notes },
    ),
  }) as Resource;
  return applyProvenance(scheme, resource, { ...scope, sourceType: 'problems', nativeId: String(r.id) });
};

const drchronoAllergy: HandWritten = (r, scope) => {
  const ref = (resourceType: string, sourceType: string, id: unknown) =>
    blank(id) ? undefined : gatewayReference(scope, { resourceType, sourceType, nativeId: String(id) });
  const resource = compact({
    resourceType: 'AllergyIntolerance',
    clinicalStatus:
      r.verification_status === 'entered-in-error' ? undefined : { coding: [allergyStatus(r.status)] },
    verificationStatus: blank(r.verification_status)
      ? undefined
      : { coding: [allergyVerification(r.verification_status)] },
    code: compact({
      coding: list(
        blank(r.snomed_code) ? undefined : { system: 'http://snomed.info/sct', code: r.snomed_code },
        blank(r.rxnorm)
          ? undefined
          : { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: r.rxnorm },
      ),
      text: text(r.description),
    }),
    patient: ref('Patient', 'patients', r.patient),
    recorder: ref('Practitioner', 'doctors', r.doctor),
    note: blank(r.notes) ? undefined : [{ text: r.notes }],
    reaction:
      blank(r.reaction) && blank(r.snomed_reaction)
        ? undefined
        : [
            {
              manifestation: [
                compact({
                  coding: list(
                    blank(r.snomed_reaction)
                      ? undefined
                      : { system: 'http://snomed.info/sct', code: r.snomed_reaction },
                  ),
                  text: text(r.reaction),
                }),
              ],
            },
          ],
  }) as Resource;
  return applyProvenance(scheme, resource, { ...scope, sourceType: 'allergies', nativeId: String(r.id) });
};

const janeAppointment: HandWritten = (r, scope) => {
  const ref = (resourceType: string, sourceType: string, id: unknown) =>
    blank(id) ? undefined : gatewayReference(scope, { resourceType, sourceType, nativeId: String(id) });
  const participant = (actor: Json | undefined) => actor && { actor, status: 'accepted' };
  const resource = compact({
    resourceType: 'Appointment',
    status: blank(r.state) ? undefined : appointmentState(r.state).code,
    cancelationReason: blank(r.cancelled_reason) ? undefined : { text: r.cancelled_reason },
    appointmentType:
      r.first_visit === true
        ? {
            coding: [
              {
                system: 'urn:fhir-gateway:codesystem:jane:appointment-type',
                code: 'first-visit',
                display: 'First visit',
              },
            ],
            text: 'First visit',
          }
        : undefined,
    start: dates.instant(r.start_at, undefined, 'start'),
    end: dates.instant(r.end_at, undefined, 'end'),
    created: dates.instant(r.booked_at, undefined, 'created'),
    supportingInformation: list(ref('ActivityDefinition', 'treatments', r.treatment_id)),
    participant: list(
      participant(ref('Patient', 'patients', r.patient_id)),
      participant(ref('Practitioner', 'staff_members', r.staff_member_id)),
      participant(ref('Location', 'locations', r.location_id)),
    ),
  }) as Resource;
  return applyProvenance(scheme, resource, { ...scope, sourceType: 'appointments', nativeId: String(r.id) });
};

const epicObservation: HandWritten = (r, scope) => {
  const { versionId: _v, lastUpdated: _l, ...meta } = r.meta ?? {};
  const copy = compact({ ...r, meta: compact(meta) }) as Resource;
  return applyProvenance(scheme, rewriteFhirReferences(scope, copy), {
    ...scope,
    sourceType: 'Observation',
    nativeId: r.id,
  });
};

const deviceStatus = codeTable('drchrono-device-status');
const authorizationStatus = codeTable('drchrono-authorization-status');
const refTo = (scope: ConnectionScope, resourceType: string, sourceType: string, id: unknown) =>
  blank(id) ? undefined : gatewayReference(scope, { resourceType, sourceType, nativeId: String(id) });

const drchronoCareTeam: HandWritten = (r, scope) => {
  const start = dates.instant(r.created_at, undefined, 'start');
  const resource = compact({
    resourceType: 'CareTeam',
    status: 'active',
    subject: refTo(scope, 'Patient', 'patients', r.patient),
    encounter: refTo(scope, 'Encounter', 'appointments', r.appointment),
    period: start ? { start } : undefined,
    participant: [
      compact({
        role: [{ text: 'Care team member' }],
        member: refTo(scope, 'PractitionerRole', 'users', r.user),
        period: start ? { start } : undefined,
      }),
    ],
  }) as Resource;
  return applyProvenance(scheme, resource, {
    ...scope,
    sourceType: 'care_team_members',
    nativeId: String(r.id),
  });
};

const drchronoDevice: HandWritten = (r, scope) => {
  const udi = text(r.udi);
  const resource = compact({
    resourceType: 'Device',
    udiCarrier: udi
      ? [
          compact({
            deviceIdentifier: udi.startsWith('(01)') ? text(udi.substring(4, 18)) : undefined,
            issuer: 'http://hl7.org/fhir/NamingSystem/gs1-di',
            jurisdiction: 'http://hl7.org/fhir/NamingSystem/fda-udi',
            carrierHRF: udi,
          }),
        ]
      : undefined,
    status: r.archived === true ? 'entered-in-error' : deviceStatus(r.status).code,
    manufacturer: text(r.company_name),
    manufactureDate: dates.dateOnly(r.manufacturing_date, 'manufactureDate'),
    expirationDate: dates.dateOnly(r.expiration_date, 'expirationDate'),
    lotNumber: text(r.lot_number),
    serialNumber: text(r.serial_number),
    deviceName: blank(r.brand_name) ? undefined : [{ name: r.brand_name, type: 'manufacturer-name' }],
    modelNumber: text(r.version_or_model),
    type: blank(r.gmdn_pt_name) ? undefined : { text: r.gmdn_pt_name },
    patient: refTo(scope, 'Patient', 'patients', r.patient),
  }) as Resource;
  return applyProvenance(scheme, resource, {
    ...scope,
    sourceType: 'implantable_devices',
    nativeId: String(r.id),
  });
};

const drchronoEligibility: HandWritten = (r, scope) => {
  const inforce = r.eligibility === 'Active' ? true : r.eligibility === 'Inactive' ? false : undefined;
  const resource = compact({
    resourceType: 'CoverageEligibilityResponse',
    status: 'active',
    purpose: ['validation'],
    patient: refTo(scope, 'Patient', 'patients', r.patient),
    created: dates.instant(r.query_date, undefined, 'created'),
    request: {
      identifier: {
        system: `urn:fhir-gateway:sid:drchrono:${scope.connectionId}:eligibility-check`,
        value: String(r.id),
      },
    },
    outcome: 'complete',
    disposition: text(r.eligibility),
    insurer: blank(r.payer_name) ? undefined : { display: r.payer_name },
    insurance: [
      compact({
        coverage: compact({ type: 'Coverage', display: text(r.payer_name) }),
        inforce,
        item: blank(r.request_service_type)
          ? undefined
          : [
              compact({
                category: {
                  coding: [
                    compact({
                      system: 'http://terminology.hl7.org/CodeSystem/ex-benefitcategory',
                      code: r.request_service_type,
                      display: text(r.service_type_description),
                    }),
                  ],
                },
                description: text(r.coverage_details),
              }),
            ],
      }),
    ],
  }) as Resource;
  return applyProvenance(scheme, resource, {
    ...scope,
    sourceType: 'eligibility_checks',
    nativeId: String(r.id),
  });
};

const drchronoAuthorization: HandWritten = (r, scope) => {
  const eligible = {
    coding: [
      {
        system: 'http://terminology.hl7.org/CodeSystem/adjudication',
        code: 'eligible',
        display: 'Eligible Amount',
      },
    ],
  };
  const resource = compact({
    resourceType: 'ClaimResponse',
    status: authorizationStatus(r.status).code,
    type: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/claim-type',
          code: 'professional',
          display: 'Professional',
        },
      ],
    },
    use: 'preauthorization',
    patient: refTo(scope, 'Patient', 'patients', r.patient),
    created: dates.instant(r.created_at, undefined, 'created'),
    insurer: {
      extension: [
        { url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' },
      ],
    },
    requestor: refTo(scope, 'Practitioner', 'doctors', r.doctor),
    outcome: 'complete',
    preAuthRef: text(r.auth_number),
    preAuthPeriod: compact({
      start: dates.dateOnly(r.start_date, 'start'),
      end: dates.dateOnly(r.end_date, 'end'),
    }),
    addItem: (r.procedure_codes ?? []).map((item: Json) => ({
      productOrService: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: item.code }] },
      quantity: { value: Number(item.quantity) },
      unitPrice: { value: Number(item.price), currency: 'USD' },
      adjudication: [{ category: eligible, amount: { value: Number(item.price), currency: 'USD' } }],
    })),
    processNote: blank(r.notes) ? undefined : [{ text: r.notes }],
  }) as Resource;
  return applyProvenance(scheme, resource, {
    ...scope,
    sourceType: 'patient_authorizations',
    nativeId: String(r.id),
  });
};

// ---- the cases -----------------------------------------------------------------------------------

type Case = {
  name: string;
  source: SourceSystem;
  entity: string;
  /** The FHIR type measured (an entity may have several files, e.g. patients → Patient + Coverage). */
  target: string;
  records: Json[];
  handWritten: HandWritten;
};

const drchrono = generateDrChronoDataset(11, Math.max(1, recordCount));
const jane = generateJaneDataset(11, Math.max(1, Math.ceil(recordCount / 4)));
const epic = generateEpicDataset(11, Math.ceil(recordCount / 10));
const cases: Case[] = [
  {
    name: 'DrChrono patients → Patient',
    source: 'drchrono',
    entity: 'patients',
    target: 'Patient',
    records: Array.from(
      { length: Math.min(recordCount, drchrono.count('patients')) },
      (_, i) => drchrono.record('patients', i).record as Json,
    ),
    handWritten: drchronoPatient,
  },
  {
    name: 'DrChrono problems → Condition',
    source: 'drchrono',
    entity: 'problems',
    target: 'Condition',
    records: Array.from(
      { length: Math.min(recordCount, drchrono.count('problems')) },
      (_, i) => drchrono.record('problems', i).record as Json,
    ),
    handWritten: drchronoProblem,
  },
  {
    name: 'DrChrono allergies → AllergyIntolerance',
    source: 'drchrono',
    entity: 'allergies',
    target: 'AllergyIntolerance',
    records: Array.from(
      { length: Math.min(recordCount, drchrono.count('allergies')) },
      (_, i) => drchrono.record('allergies', i).record as Json,
    ),
    handWritten: drchronoAllergy,
  },
  ...(
    [
      ['DrChrono care team members → CareTeam', 'care_team_members', 'CareTeam', drchronoCareTeam],
      ['DrChrono implantable devices → Device', 'implantable_devices', 'Device', drchronoDevice],
      [
        'DrChrono eligibility checks → CoverageEligibilityResponse',
        'eligibility_checks',
        'CoverageEligibilityResponse',
        drchronoEligibility,
      ],
      [
        'DrChrono authorisations → ClaimResponse',
        'patient_authorizations',
        'ClaimResponse',
        drchronoAuthorization,
      ],
    ] as const
  ).map(([name, entity, target, handWritten]) => ({
    name,
    source: 'drchrono' as const,
    entity,
    target,
    records: Array.from(
      { length: Math.min(recordCount, drchrono.count(entity)) },
      (_, i) => drchrono.record(entity, i).record as Json,
    ),
    handWritten,
  })),
  {
    name: 'Jane appointments → Appointment',
    source: 'jane',
    entity: 'appointments',
    target: 'Appointment',
    records: Array.from(
      { length: Math.min(recordCount, jane.counts.appointments) },
      (_, i) => jane.record('appointments', i).record as Json,
    ),
    handWritten: janeAppointment,
  },
  {
    name: 'Epic Observation → Observation',
    source: 'epic',
    entity: 'Observation',
    target: 'Observation',
    records: [...epic.records()]
      .filter((r) => r.resourceType === 'Observation')
      .slice(0, recordCount) as Json[],
    handWritten: epicObservation,
  },
];

function engineTransform(mappings: MappingSet, c: Case, scope: ConnectionScope): (record: Json) => unknown {
  const mapping = mappings.mappingsFor(c.source, c.entity).find((m) => m.target === c.target);
  if (!mapping) throw new Error(`no mapping for ${c.source}:${c.entity} → ${c.target}`);
  return (record) => {
    const state: RunState = { scope, warnings: [], path: '' };
    return mapping.forward(record, state);
  };
}

/** Runs `work` over the records for about `seconds`; answers records/s. */
function rate(records: Json[], work: (record: Json) => unknown): number {
  for (const record of records.slice(0, 200)) work(record); // warm-up
  let done = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  while (performance.now() < deadline) {
    for (const record of records) work(record);
    done += records.length;
  }
  return done / ((performance.now() - start) / 1000);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(9);
console.log(
  `mapping benchmark: ${recordCount} records per case, best of ${rounds} runs of ~${seconds}s per figure`,
);
for (const c of cases.filter((each) => each.name.includes(values.only))) {
  const scope: ConnectionScope = { tenant: 'bench', connectionId: `${c.source}-bench`, source: c.source };
  // The same output, record for record, before anything is timed.
  for (const record of c.records) {
    const result = set.forward(c.source, c.entity, record, scope);
    if (!result.ok) throw new Error(`${c.name}: the engine did not map a record: ${JSON.stringify(result)}`);
    const hand = c.handWritten(record, scope);
    const engine = result.resources.find((resource) => resource.resourceType === c.target);
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(engine)), JSON.parse(JSON.stringify(hand)))) {
      throw new Error(
        `${c.name}: hand-written output differs for record ${record.id}:\n${JSON.stringify(engine)}\n${JSON.stringify(hand)}`,
      );
    }
  }
  const transform = engineTransform(set, c, scope);
  // The target's file, then validation: what the sync pays for this resource (an entity's other
  // files, like the patient's Coverages, are other resources).
  const best = { engineOnly: 0, handOnly: 0, enginePipeline: 0, handPipeline: 0 };
  for (let round = 0; round < rounds; round++) {
    best.engineOnly = Math.max(best.engineOnly, rate(c.records, transform));
    best.handOnly = Math.max(
      best.handOnly,
      rate(c.records, (record) => c.handWritten(record, scope)),
    );
    best.enginePipeline = Math.max(
      best.enginePipeline,
      rate(c.records, (record) => {
        for (const resource of transform(record) as Resource[])
          validateResource(defs as FhirDefinitions, resource);
      }),
    );
    best.handPipeline = Math.max(
      best.handPipeline,
      rate(c.records, (record) => validateResource(defs as FhirDefinitions, c.handWritten(record, scope))),
    );
  }
  const { engineOnly, handOnly, enginePipeline, handPipeline } = best;
  console.log(`\n  ${c.name} (${c.records.length} distinct records)`);
  console.log(
    `    transform  engine ${fmt(engineOnly)} /s   hand-written ${fmt(handOnly)} /s   ratio ${(engineOnly / handOnly).toFixed(2)}×`,
  );
  console.log(
    `    pipeline   engine ${fmt(enginePipeline)} /s   hand-written ${fmt(handPipeline)} /s   ratio ${(enginePipeline / handPipeline).toFixed(2)}×`,
  );
}
