import { syntheticPerson } from '../common/people.ts';
import { createRng, type Rng } from '../common/rng.ts';
import catalog from './clinical-catalog.json' with { type: 'json' };
import { deriveSeed, epicId, npiFor } from './epic-ids.ts';
import { epicExtensions, epicSystems } from './epic-systems.ts';
import type {
  Appointment,
  DocumentReference,
  Encounter,
  Location,
  Observation,
  Organization,
  Patient,
  Practitioner,
  PractitionerRole,
  Resource,
} from './fhir-types.ts';

/** Generated clinical history ends here, so output never depends on the wall clock. */
export const DATASET_ANCHOR_MS = Date.UTC(2026, 0, 1);
const DAY_MS = 86_400_000;
const MAX_PATIENTS = 10_000_000;

export const OBSERVATION_CATEGORY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const APPOINTMENT_CATEGORY_SYSTEM =
  'http://open.epic.com/FHIR/StructureDefinition/appointment-service-category';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';

export type EpicDataset = {
  seed: number;
  patientCount: number;
  groupId: string;
  organizationId: string;
  /** Organization, locations, practitioners and their roles. */
  shared: Resource[];
  /**
   * Every record of patient number `index` (the Patient first), deterministic. Indexes at
   * or past `patientCount` give patients who "register later" (tick uses them).
   */
  patientRecords(index: number): Resource[];
  /** All records, lazily: shared ones, then patient by patient (O(1) memory). */
  records(): Generator<Resource>;
};

/**
 * A deterministic synthetic Epic organisation: `size` patients, each with encounters,
 * appointments, vital-sign and lab observations and clinical notes. Patient `i` is
 * derived from `(seed, i)` alone, so records can be generated lazily at any scale.
 */
export function generateEpicDataset(seed: number, size: number): EpicDataset {
  if (!Number.isInteger(size) || size < 0 || size > MAX_PATIENTS)
    throw new Error(`dataset size must be an integer in [0, ${MAX_PATIENTS}]`);
  const sharedRng = createRng(deriveSeed(seed, 0, 1));
  const organizationId = epicId(sharedRng, 1, seed);
  const groupId = epicId(sharedRng, 2, seed);
  const locations = catalog.departments.map((dept, i) =>
    buildLocation(epicId(sharedRng, 10 + i, seed), dept, organizationId, sharedRng),
  );
  const practitionerCount = Math.min(500, Math.max(4, Math.ceil(size / 200)));
  const practitioners: Practitioner[] = [];
  const roles: PractitionerRole[] = [];
  for (let i = 0; i < practitionerCount; i++) {
    const rng = createRng(deriveSeed(seed, i, 2));
    const practitioner = buildPractitioner(epicId(rng, 1000 + i, seed), i, rng);
    practitioners.push(practitioner);
    const location = locations[i % locations.length] as Location;
    roles.push(buildRole(epicId(rng, 1000 + i, seed ^ 0x5bd1), practitioner, location, organizationId, i));
  }
  const organization = buildOrganization(organizationId);
  const shared: Resource[] = [organization, ...locations, ...practitioners, ...roles];
  const ctx: PatientContext = { seed, organizationId, locations, practitioners };

  return {
    seed,
    patientCount: size,
    groupId,
    organizationId,
    shared,
    patientRecords(index) {
      if (!Number.isInteger(index) || index < 0 || index >= MAX_PATIENTS)
        throw new Error('patient index out of range');
      return buildPatientRecords(ctx, index);
    },
    *records() {
      yield* shared;
      for (let i = 0; i < size; i++) yield* buildPatientRecords(ctx, i);
    },
  };
}

type PatientContext = {
  seed: number;
  organizationId: string;
  locations: Location[];
  practitioners: Practitioner[];
};

/** Builds one new patient with history; also used by tick() for patients created later. */
export function buildPatientRecords(ctx: PatientContext, index: number): Resource[] {
  const rng = createRng(deriveSeed(ctx.seed, index, 3));
  // Serials are unique per type: 64 slots per patient covers the most records one can have.
  let serial = index * 64;
  const nextId = () => epicId(rng, serial++, ctx.seed);
  const patient = buildPatient(nextId(), index, rng, ctx);
  const pcp = rng.pick(ctx.practitioners);
  const out: Resource[] = [patient];
  const encounterCount = rng.int(1, 3);
  for (let e = 0; e < encounterCount; e++) {
    const start = DATASET_ANCHOR_MS - rng.int(1, 720) * DAY_MS + rng.int(8 * 4, 17 * 4) * 15 * 60_000;
    const practitioner = rng.chance(0.7) ? pcp : rng.pick(ctx.practitioners);
    const location = rng.pick(ctx.locations);
    const visit = rng.pick(catalog.visitTypes);
    const csn = String(1_000_000_000 + index * 16 + e);
    const appointment = buildAppointment(nextId(), {
      patient,
      practitioner,
      location,
      visit,
      start,
      status: 'fulfilled',
      csn,
    });
    const encounter = buildEncounter(nextId(), { patient, practitioner, location, visit, start, csn, ctx });
    encounter.appointment = [{ reference: `Appointment/${appointment.id}` }];
    out.push(appointment, encounter);
    out.push(...buildVitals(nextId, rng, patient, encounter, start + 5 * 60_000));
    if (rng.chance(0.6)) out.push(...buildLabs(nextId, rng, patient, encounter, start + 2 * 3_600_000));
    out.push(buildNote(nextId(), rng, patient, encounter, practitioner, start + visit.minutes * 60_000));
  }
  if (rng.chance(0.5)) {
    const start = DATASET_ANCHOR_MS + rng.int(1, 60) * DAY_MS + rng.int(8 * 4, 16 * 4) * 15 * 60_000;
    out.push(
      buildAppointment(nextId(), {
        patient,
        practitioner: pcp,
        location: rng.pick(ctx.locations),
        visit: rng.pick(catalog.visitTypes),
        start,
        status: 'booked',
        csn: String(1_000_000_000 + index * 16 + 15),
      }),
    );
  }
  return out;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const round = (value: number, decimals: number) => Number(value.toFixed(decimals));
const ref = (r: { resourceType: string; id?: string }, display?: string) => ({
  reference: `${r.resourceType}/${r.id}`,
  ...(display ? { display } : {}),
});
const meta = (lastUpdatedMs: number) => ({ versionId: '1', lastUpdated: iso(lastUpdatedMs) });

function buildPatient(id: string, index: number, rng: Rng, ctx: PatientContext): Patient {
  const person = syntheticPerson(rng);
  const legalSex = person.gender === 'female' ? 'female' : person.gender === 'male' ? 'male' : 'unknown';
  const birthSex = person.gender === 'female' ? 'F' : person.gender === 'male' ? 'M' : 'UNK';
  const race = rng.pick(catalog.races);
  const ethnicity = rng.pick(catalog.ethnicities);
  const mrn = String(300_000 + index);
  const name = { family: person.lastName, given: [person.firstName] };
  const text = `${person.firstName} ${person.lastName}`;
  const registered = DATASET_ANCHOR_MS - rng.int(730, 3650) * DAY_MS;
  return {
    resourceType: 'Patient',
    id,
    meta: meta(registered),
    extension: [
      {
        url: epicExtensions.legalSex,
        valueCodeableConcept: {
          coding: [{ system: epicSystems.legalSexCodes, code: legalSex, display: capitalize(legalSex) }],
        },
      },
      { url: epicExtensions.birthSex, valueCode: birthSex },
      {
        url: epicExtensions.race,
        extension: [
          { url: 'ombCategory', valueCoding: { system: epicExtensions.ombCategories, ...race } },
          { url: 'text', valueString: race.display },
        ],
      },
      {
        url: epicExtensions.ethnicity,
        extension: [
          { url: 'ombCategory', valueCoding: { system: epicExtensions.ombCategories, ...ethnicity } },
          { url: 'text', valueString: ethnicity.display },
        ],
      },
    ],
    identifier: [
      usual(epicSystems.patientEpicId, 'EPIC', `E${1000 + index}`),
      usual(epicSystems.patientMrn, 'EPI', mrn),
      usual(epicSystems.patientInternal, 'INTERNAL', `Z${5000 + index}`),
      usual(epicExtensions.dstu2FhirId, 'FHIR', `T${id.slice(1)}`),
      usual(epicExtensions.stu3FhirId, 'FHIR STU3', id),
    ],
    active: true,
    name: [
      { use: 'official', text, ...name },
      { use: 'usual', text, ...name },
    ],
    telecom: [
      { system: 'phone', value: person.phone, use: 'home' },
      { system: 'email', value: person.email, rank: 1 },
    ],
    gender: person.gender,
    birthDate: person.birthDate,
    deceasedBoolean: false,
    address: [
      {
        use: 'home',
        line: [person.address.line1],
        city: person.address.city,
        state: person.address.state,
        postalCode: person.address.postalCode,
        country: person.address.country,
      },
    ],
    maritalStatus: { text: rng.pick(['Single', 'Married', 'Divorced', 'Widowed']) },
    communication: [
      {
        language: {
          coding: [{ system: 'urn:ietf:bcp:47', code: 'en', display: 'English' }],
          text: 'English',
        },
        preferred: true,
      },
    ],
    generalPractitioner: [ref(rng.pick(ctx.practitioners))],
    managingOrganization: { reference: `Organization/${ctx.organizationId}` },
  };
}

function usual(system: string, typeText: string, value: string) {
  return { use: 'usual' as const, type: { text: typeText }, system, value };
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

type VisitType = (typeof catalog.visitTypes)[number];

function buildAppointment(
  id: string,
  a: {
    patient: Patient;
    practitioner: Practitioner;
    location: Location;
    visit: VisitType;
    start: number;
    status: Appointment['status'];
    csn: string;
  },
): Appointment {
  const end = a.start + a.visit.minutes * 60_000;
  return {
    resourceType: 'Appointment',
    id,
    meta: meta(a.status === 'booked' ? DATASET_ANCHOR_MS - DAY_MS : end),
    identifier: [{ use: 'usual', system: epicSystems.csn, value: a.csn }],
    status: a.status,
    serviceCategory: [
      { coding: [{ system: APPOINTMENT_CATEGORY_SYSTEM, code: 'appointment', display: 'Appointment' }] },
    ],
    serviceType: [
      {
        coding: [{ system: epicSystems.visitType, code: a.visit.code, display: a.visit.display }],
        text: a.visit.display,
      },
    ],
    start: iso(a.start),
    end: iso(end),
    minutesDuration: a.visit.minutes,
    participant: [
      { actor: ref(a.patient, patientDisplay(a.patient)), required: 'required', status: 'accepted' },
      {
        actor: ref(a.practitioner, a.practitioner.name?.[0]?.text),
        required: 'required',
        status: 'accepted',
      },
      { actor: ref(a.location, a.location.name), required: 'required', status: 'accepted' },
    ],
  };
}

const patientDisplay = (p: Patient) => p.name?.[0]?.text;

function buildEncounter(
  id: string,
  e: {
    patient: Patient;
    practitioner: Practitioner;
    location: Location;
    visit: VisitType;
    start: number;
    csn: string;
    ctx: PatientContext;
  },
): Encounter {
  const end = e.start + e.visit.minutes * 60_000;
  const virtual = e.visit.encounterType === 'Telemedicine';
  return {
    resourceType: 'Encounter',
    id,
    meta: meta(end + 3_600_000),
    identifier: [{ use: 'usual', system: epicSystems.csn, value: e.csn }],
    status: 'finished',
    class: {
      system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
      code: virtual ? 'VR' : 'AMB',
      display: virtual ? 'virtual' : 'ambulatory',
    },
    type: [
      {
        coding: [{ system: epicSystems.visitType, code: e.visit.code, display: e.visit.display }],
        text: e.visit.encounterType,
      },
    ],
    subject: ref(e.patient, patientDisplay(e.patient)),
    participant: [
      {
        type: [
          {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
                code: 'ATND',
                display: 'attender',
              },
            ],
          },
        ],
        period: { start: iso(e.start), end: iso(end) },
        individual: ref(e.practitioner, e.practitioner.name?.[0]?.text),
      },
    ],
    period: { start: iso(e.start), end: iso(end) },
    location: [{ location: ref(e.location, e.location.name) }],
    serviceProvider: { reference: `Organization/${e.ctx.organizationId}` },
  };
}

function category(code: 'vital-signs' | 'laboratory') {
  return [
    {
      coding: [
        {
          system: OBSERVATION_CATEGORY_SYSTEM,
          code,
          display: code === 'vital-signs' ? 'Vital Signs' : 'Laboratory',
        },
      ],
      text: code === 'vital-signs' ? 'Vital Signs' : 'Laboratory',
    },
  ];
}

function buildVitals(
  nextId: () => string,
  rng: Rng,
  patient: Patient,
  encounter: Encounter,
  at: number,
): Observation[] {
  const base = (code: Observation['code'], flowsheetRow: string): Observation => ({
    resourceType: 'Observation',
    id: nextId(),
    meta: meta(at + 600_000),
    identifier: [
      { use: 'usual', system: epicSystems.flowsheetRow, value: `${flowsheetRow}-${encounter.id}` },
    ],
    status: 'final',
    category: category('vital-signs'),
    code,
    subject: ref(patient, patientDisplay(patient)),
    encounter: ref(encounter),
    effectiveDateTime: iso(at),
    issued: iso(at + 300_000),
  });
  const bp = catalog.bloodPressure;
  const panel = base(
    {
      coding: [
        { system: LOINC, code: bp.loinc, display: bp.display },
        { system: epicSystems.flowsheetRow, code: bp.flowsheetRow, display: 'BP' },
      ],
      text: 'BP',
    },
    bp.flowsheetRow,
  );
  panel.component = [bp.systolic, bp.diastolic].map((c) => ({
    code: { coding: [{ system: LOINC, code: c.loinc, display: c.display }], text: c.display },
    valueQuantity: { value: rng.int(c.min, c.max), unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' },
  }));
  const out: Observation[] = [panel];
  for (const vital of catalog.vitalSigns) {
    const obs = base(
      {
        coding: [
          { system: LOINC, code: vital.loinc, display: vital.display },
          // The vital-signs profile's own code next to the more specific one (SpO2: 2708-6).
          ...(('alsoLoinc' in vital ? vital.alsoLoinc : undefined) ?? []).map((also) => ({
            system: LOINC,
            ...also,
          })),
          { system: epicSystems.flowsheetRow, code: vital.flowsheetRow, display: vital.display },
        ],
        text: vital.display,
      },
      vital.flowsheetRow,
    );
    obs.valueQuantity = {
      value: round(vital.min + rng.next() * (vital.max - vital.min), vital.decimals),
      unit: vital.unit,
      system: UCUM,
      code: vital.ucum,
    };
    out.push(obs);
  }
  return out;
}

function buildLabs(
  nextId: () => string,
  rng: Rng,
  patient: Patient,
  encounter: Encounter,
  at: number,
): Observation[] {
  const count = rng.int(2, 4);
  const start = rng.int(0, catalog.labs.length - 1);
  const out: Observation[] = [];
  for (let i = 0; i < count; i++) {
    const lab = catalog.labs[(start + i) % catalog.labs.length] as (typeof catalog.labs)[number];
    const value = round(lab.min + rng.next() * (lab.max - lab.min), lab.decimals);
    const flag = value < lab.low ? 'L' : value > lab.high ? 'H' : 'N';
    out.push({
      resourceType: 'Observation',
      id: nextId(),
      meta: meta(at + DAY_MS),
      identifier: [
        { use: 'usual', system: epicSystems.labComponent, value: `${lab.component}-${encounter.id}` },
      ],
      status: 'final',
      category: category('laboratory'),
      code: {
        coding: [
          { system: LOINC, code: lab.loinc, display: lab.display },
          { system: epicSystems.labComponent, code: lab.component, display: lab.display },
        ],
        text: lab.display,
      },
      subject: ref(patient, patientDisplay(patient)),
      encounter: ref(encounter),
      effectiveDateTime: iso(at),
      issued: iso(at + DAY_MS - 3_600_000),
      valueQuantity: { value, unit: lab.unit, system: UCUM, code: lab.unit },
      interpretation: [
        {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
              code: flag,
              display: flag === 'L' ? 'Low' : flag === 'H' ? 'High' : 'Normal',
            },
          ],
        },
      ],
      referenceRange: [
        {
          low: { value: lab.low, unit: lab.unit, system: UCUM, code: lab.unit },
          high: { value: lab.high, unit: lab.unit, system: UCUM, code: lab.unit },
        },
      ],
    });
  }
  return out;
}

function buildNote(
  id: string,
  rng: Rng,
  patient: Patient,
  encounter: Encounter,
  author: Practitioner,
  at: number,
): DocumentReference {
  const type = rng.pick(catalog.documentTypes);
  const signed = at + rng.int(10, 240) * 60_000;
  return {
    resourceType: 'DocumentReference',
    id,
    meta: meta(signed),
    extension: [
      { url: epicExtensions.noteAuthenticationInstant, valueDateTime: iso(signed) },
      { url: epicExtensions.templateId, valueString: type.template },
    ],
    identifier: [
      { use: 'usual', system: epicSystems.documentId, value: `${encounter.identifier?.[0]?.value}-1` },
    ],
    status: 'current',
    docStatus: 'final',
    type: { coding: [{ system: LOINC, code: type.loinc, display: type.display }], text: type.display },
    category: [
      {
        coding: [
          {
            system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category',
            code: 'clinical-note',
            display: 'Clinical Note',
          },
        ],
        text: 'Clinical Note',
      },
    ],
    subject: ref(patient, patientDisplay(patient)),
    date: iso(at),
    author: [ref(author, author.name?.[0]?.text)],
    authenticator: ref(author, author.name?.[0]?.text),
    content: [
      {
        attachment: { contentType: 'text/html', url: `Binary/${id}`, title: type.display },
        format: {
          system: 'http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode',
          code: 'urn:ihe:iti:xds:2017:mimeTypeSufficient',
        },
      },
    ],
    context: {
      encounter: [ref(encounter)],
      period: { start: encounter.period?.start ?? iso(at), end: encounter.period?.end ?? iso(at) },
    },
  };
}

function buildPractitioner(id: string, index: number, rng: Rng): Practitioner {
  const person = syntheticPerson(rng);
  const text = `${person.firstName} ${person.lastName}, MD`;
  return {
    resourceType: 'Practitioner',
    id,
    meta: meta(DATASET_ANCHOR_MS - 400 * DAY_MS),
    identifier: [
      { use: 'usual', system: epicSystems.npi, value: npiFor(1_000 + index) },
      {
        use: 'usual',
        type: { text: 'INTERNAL' },
        system: epicSystems.providerInternal,
        value: String(100_000 + index),
      },
    ],
    active: true,
    name: [{ use: 'usual', text, family: person.lastName, given: [person.firstName], suffix: ['MD'] }],
    telecom: [{ system: 'phone', value: person.phone, use: 'work' }],
    gender: person.gender === 'other' || person.gender === 'unknown' ? 'unknown' : person.gender,
  };
}

function buildRole(
  id: string,
  practitioner: Practitioner,
  location: Location,
  organizationId: string,
  index: number,
): PractitionerRole {
  const specialty = catalog.specialties[
    index % catalog.specialties.length
  ] as (typeof catalog.specialties)[number];
  return {
    resourceType: 'PractitionerRole',
    id,
    meta: meta(DATASET_ANCHOR_MS - 400 * DAY_MS),
    active: true,
    practitioner: ref(practitioner, practitioner.name?.[0]?.text),
    organization: { reference: `Organization/${organizationId}` },
    location: [ref(location, location.name)],
    code: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/practitioner-role',
            code: 'doctor',
            display: 'Doctor',
          },
        ],
      },
    ],
    specialty: [
      { coding: [{ system: 'http://nucc.org/provider-taxonomy', ...specialty }], text: specialty.display },
    ],
    telecom: practitioner.telecom ?? [],
  };
}

function buildLocation(
  id: string,
  dept: (typeof catalog.departments)[number],
  organizationId: string,
  rng: Rng,
): Location {
  return {
    resourceType: 'Location',
    id,
    meta: meta(DATASET_ANCHOR_MS - 500 * DAY_MS),
    identifier: [{ use: 'usual', type: { text: 'DEP' }, system: epicSystems.department, value: dept.code }],
    status: 'active',
    name: dept.name,
    mode: 'instance',
    telecom: [{ system: 'phone', value: `555-${rng.int(100, 999)}-${rng.int(1000, 9999)}`, use: 'work' }],
    address: {
      use: 'work',
      line: ['1200 Summit Valley Pkwy'],
      city: 'Madison',
      state: 'WI',
      postalCode: '53703',
      country: 'US',
    },
    managingOrganization: { reference: `Organization/${organizationId}` },
  };
}

function buildOrganization(id: string): Organization {
  return {
    resourceType: 'Organization',
    id,
    meta: meta(DATASET_ANCHOR_MS - 900 * DAY_MS),
    identifier: [{ use: 'usual', system: epicSystems.npi, value: npiFor(7) }],
    active: true,
    type: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/organization-type',
            code: 'prov',
            display: 'Healthcare Provider',
          },
        ],
      },
    ],
    name: 'Summit Valley Health (simulated)',
    telecom: [{ system: 'phone', value: '555-200-1000', use: 'work' }],
    address: [
      {
        use: 'work',
        line: ['1200 Summit Valley Pkwy'],
        city: 'Madison',
        state: 'WI',
        postalCode: '53703',
        country: 'US',
      },
    ],
  };
}
