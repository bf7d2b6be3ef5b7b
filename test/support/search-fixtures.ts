import type { Appointment, ChargeItem, Encounter, Observation, Patient, Resource } from 'fhir/r4';

/**
 * A deterministic set of realistic resources for search tests: Patients, Observations,
 * Appointments, Encounters and ChargeItems from three connections, with the awkward cases search
 * must get right (accents, several names, partial dates, time zones, periods, open ends, missing
 * fields, references in several forms). Same seed, same resources.
 */
export function searchFixtures(options: { seed?: number; patients?: number } = {}): Resource[] {
  const random = mulberry32(options.seed ?? 20250101);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const chance = (p: number) => random() < p;
  const patientCount = options.patients ?? 80;
  const others = Math.round(patientCount / 3);
  const resources: Resource[] = [];

  const patientIds = Array.from({ length: patientCount }, (_, i) => `pat-${String(i).padStart(3, '0')}`);
  const practitioners = ['pr-1', 'pr-2', 'pr-3', 'pr-4'];
  for (const [i, id] of patientIds.entries()) resources.push(patient(id, i));
  for (let i = 0; i < patientCount * 1.5; i++)
    resources.push(observation(`obs-${String(i).padStart(3, '0')}`, i));
  for (let i = 0; i < others; i++) resources.push(appointment(`apt-${String(i).padStart(2, '0')}`, i));
  for (let i = 0; i < others; i++) resources.push(encounter(`enc-${String(i).padStart(2, '0')}`, i));
  for (let i = 0; i < others; i++) resources.push(chargeItem(`chg-${String(i).padStart(2, '0')}`));
  return resources;

  function provenance() {
    const connection = pick(CONNECTIONS);
    return {
      source: `urn:fhir-gateway:connection:${connection.id}`,
      tag: [{ system: 'urn:fhir-gateway:source', code: connection.source }],
      ...(chance(0.2)
        ? { profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient'] }
        : {}),
    };
  }

  function day(fromYear: number, years: number): string {
    const ms = Date.UTC(fromYear, 0, 1) + Math.floor(random() * years * 365) * 86_400_000;
    return new Date(ms).toISOString().slice(0, 10);
  }

  function instant(fromYear: number, years: number): string {
    const base = `${day(fromYear, years)}T${String(Math.floor(random() * 24)).padStart(2, '0')}:${pick(['00', '15', '30', '45'])}`;
    const zone = pick(['Z', 'Z', '+02:00', '-05:00']);
    return chance(0.5)
      ? `${base}:00${zone}`
      : `${base}:${String(Math.floor(random() * 60)).padStart(2, '0')}.250${zone}`;
  }

  function subjectReference(): string {
    const id = pick(patientIds);
    return chance(0.1) ? `https://epic.example/fhir/Patient/${id}` : `Patient/${id}`;
  }

  function patient(id: string, i: number): Patient {
    const family = pick(FAMILIES);
    const birth = day(1935, 85);
    const birthDate = chance(0.1)
      ? undefined
      : chance(0.08)
        ? birth.slice(0, 4)
        : chance(0.08)
          ? birth.slice(0, 7)
          : birth;
    const resource: Patient = {
      resourceType: 'Patient',
      id,
      meta: provenance(),
      identifier: [
        {
          system: pick(['urn:oid:2.16.840.1.113883.3.1', 'https://jane.example/mrn']),
          value: `MRN${1000 + i}`,
        },
        ...(chance(0.3) ? [{ value: `LEGACY-${i % 17}`, type: { text: 'Legacy chart number' } }] : []),
      ],
      name: [
        { use: 'official', family, given: [pick(GIVEN), ...(chance(0.3) ? [pick(GIVEN)] : [])] },
        ...(chance(0.15) ? [{ use: 'old' as const, family: pick(FAMILIES), given: [pick(GIVEN)] }] : []),
      ],
      ...(chance(0.9)
        ? { gender: pick(['male', 'female', 'female', 'male', 'other', 'unknown'] as const) }
        : {}),
      ...(birthDate ? { birthDate } : {}),
      ...(chance(0.8) ? { active: chance(0.85) } : {}),
      ...(chance(0.85)
        ? {
            address: [
              {
                line: [`${1 + Math.floor(random() * 200)} ${pick(STREETS)}`],
                city: pick(CITIES),
                postalCode: `${10000 + Math.floor(random() * 900)}`,
              },
            ],
          }
        : {}),
      ...(chance(0.7)
        ? {
            telecom: [
              { system: 'phone' as const, value: `+1-555-01${String(i % 100).padStart(2, '0')}` },
              ...(chance(0.4) ? [{ system: 'email' as const, value: `patient${i}@example.org` }] : []),
            ],
          }
        : {}),
      ...(chance(0.5) ? { generalPractitioner: [{ reference: `Practitioner/${pick(practitioners)}` }] } : {}),
    };
    return resource;
  }

  function observation(id: string, i: number): Observation {
    const test = pick(OBSERVATION_CODES);
    const effective = chance(0.08)
      ? {}
      : chance(0.12)
        ? {
            effectivePeriod: chance(0.3)
              ? { start: instant(2019, 6) }
              : { start: instant(2019, 6), end: instant(2025, 1) },
          }
        : chance(0.1)
          ? { effectiveDateTime: day(2019, 6).slice(0, chance(0.5) ? 7 : 10) }
          : { effectiveDateTime: instant(2019, 6) };
    const value =
      test.unit === undefined
        ? chance(0.5)
          ? { valueString: pick(['Negative', 'Positive', 'Trace amounts']) }
          : {
              valueCodeableConcept: {
                coding: [{ system: 'http://snomed.info/sct', code: pick(['260385009', '10828004']) }],
              },
            }
        : {
            valueQuantity: {
              value: Math.round((test.low + random() * (test.high - test.low)) * 10) / 10,
              unit: test.unit,
              system: 'http://unitsofmeasure.org',
              code: test.ucum ?? test.unit,
            },
          };
    return {
      resourceType: 'Observation',
      id,
      meta: provenance(),
      status: pick(['final', 'final', 'final', 'amended', 'preliminary'] as const),
      category: [
        {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: test.category },
          ],
        },
      ],
      code: {
        coding: [
          { system: 'http://loinc.org', code: test.code, display: test.display },
          ...(chance(0.2)
            ? [{ system: 'urn:drchrono:lab-code', code: `L${test.code.replace('-', '')}` }]
            : []),
        ],
        ...(chance(0.3) ? { text: test.display } : {}),
      },
      ...(chance(0.95) ? { subject: { reference: subjectReference() } } : {}),
      ...(i % 11 === 0 ? { identifier: [{ system: 'urn:epic:result', value: `R-${i}` }] } : {}),
      ...effective,
      ...value,
    } as Observation;
  }

  function appointment(id: string, i: number): Appointment {
    const start = instant(2024, 2);
    return {
      resourceType: 'Appointment',
      id,
      meta: provenance(),
      status: pick(['booked', 'fulfilled', 'cancelled', 'noshow', 'arrived'] as const),
      serviceType: [
        {
          coding: [
            {
              system: 'urn:jane:treatment',
              code: pick(['physio-initial', 'physio-follow-up', 'massage-60']),
            },
          ],
        },
      ],
      ...(chance(0.9) ? { start, end: new Date(Date.parse(start) + 45 * 60_000).toISOString() } : {}),
      participant: [
        { actor: { reference: `Patient/${pick(patientIds)}` }, status: 'accepted' },
        ...(i % 4 === 0
          ? []
          : [{ actor: { reference: `Practitioner/${pick(practitioners)}` }, status: 'accepted' as const }]),
      ],
    };
  }

  function encounter(id: string, i: number): Encounter {
    const start = instant(2022, 3);
    return {
      resourceType: 'Encounter',
      id,
      meta: provenance(),
      status: pick(['finished', 'in-progress', 'planned'] as const),
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: pick(['AMB', 'IMP', 'VR']) },
      subject: { reference: subjectReference() },
      period: chance(0.25)
        ? { start }
        : { start, end: new Date(Date.parse(start) + (1 + (i % 5)) * 3_600_000).toISOString() },
      ...(chance(0.6)
        ? {
            length: {
              value: 30 + (i % 5) * 15,
              unit: 'min',
              system: 'http://unitsofmeasure.org',
              code: 'min',
            },
          }
        : {}),
      ...(chance(0.7)
        ? { participant: [{ individual: { reference: `Practitioner/${pick(practitioners)}` } }] }
        : {}),
    };
  }

  function chargeItem(id: string): ChargeItem {
    return {
      resourceType: 'ChargeItem',
      id,
      meta: provenance(),
      status: 'billable',
      code: {
        coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: pick(['97110', '97140', '99213']) }],
      },
      subject: { reference: `Patient/${pick(patientIds)}` },
      ...(chance(0.8) ? { factorOverride: pick([0.5, 0.75, 0.8, 1, 1.2, 1.25, 2, 100]) } : {}),
      ...(chance(0.7)
        ? { priceOverride: { value: pick([45, 60, 85.5, 120, 99.95]), currency: pick(['USD', 'CAD']) } }
        : {}),
      ...(chance(0.7) ? { quantity: { value: pick([1, 2, 3, 4]) } } : {}),
    };
  }
}

const CONNECTIONS = [
  { id: 'jane-main', source: 'jane' },
  { id: 'drchrono-1', source: 'drchrono' },
  { id: 'epic-org', source: 'epic' },
] as const;

const FAMILIES = [
  'Smith',
  'Smithson',
  'Smyth',
  'Álvarez',
  'Alvarado',
  'Müller',
  'Mueller',
  'Núñez',
  "O'Brien",
  'de la Cruz',
  'Nguyen',
  'Lee',
  'Li',
  'García',
  'Johnson',
  'Jones',
  'Brown',
  'Martin',
  'Kowalski',
  'Van der Berg',
] as const;
const GIVEN = [
  'Anna',
  'Anne',
  'José',
  'María José',
  'Mohammed',
  'Wei',
  'Chloé',
  'Liam',
  'Noah',
  'Olivia',
  'Zoë',
  'Ève',
  'Jan',
] as const;
const STREETS = ['Elm St', 'Main Street', 'Rue de la Paix', 'Oak Avenue', 'King St W'] as const;
const CITIES = ['Springfield', 'Vancouver', 'Montréal', 'Portland', 'Spring Valley'] as const;

const OBSERVATION_CODES: ReadonlyArray<{
  code: string;
  display: string;
  category: string;
  unit?: string;
  ucum?: string;
  low: number;
  high: number;
}> = [
  {
    code: '8867-4',
    display: 'Heart rate',
    category: 'vital-signs',
    unit: 'beats/minute',
    ucum: '/min',
    low: 48,
    high: 120,
  },
  { code: '29463-7', display: 'Body weight', category: 'vital-signs', unit: 'kg', low: 3, high: 140 },
  { code: '8310-5', display: 'Body temperature', category: 'vital-signs', unit: 'Cel', low: 35.5, high: 40 },
  {
    code: '8480-6',
    display: 'Systolic blood pressure',
    category: 'vital-signs',
    unit: 'mm[Hg]',
    low: 90,
    high: 180,
  },
  {
    code: '2339-0',
    display: 'Glucose [Mass/volume] in Blood',
    category: 'laboratory',
    unit: 'mg/dL',
    low: 60,
    high: 250,
  },
  { code: '5778-6', display: 'Color of Urine', category: 'laboratory', low: 0, high: 0 },
];

/** Small, fast, seedable PRNG (public domain); Math.random cannot be seeded. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
