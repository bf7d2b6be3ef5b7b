/**
 * Code lists the generator draws from: the services of an allied-health clinic (Jane's market),
 * clinical codes for chart entries, and the predefined appointment cancellation reasons.
 * Codes are public LOINC / RxNorm codes; local codes use a clearly synthetic system.
 */

export type DisciplineDef = {
  name: string;
  professionalTitle: string;
  normalizedType: string;
  description: string;
  treatments: ReadonlyArray<{
    name: string;
    minutes: number;
    bufferMinutes: number;
    price: number;
    bookingType: 'one_on_one_booking' | 'class_booking' | 'group_booking';
    capacity: number;
  }>;
};

export const DISCIPLINES: readonly DisciplineDef[] = [
  {
    name: 'Physiotherapy',
    professionalTitle: 'Physiotherapist',
    normalizedType: 'physiotherapy',
    description: 'Assessment and treatment of movement and musculoskeletal conditions.',
    treatments: [
      {
        name: 'Physiotherapy Initial Assessment',
        minutes: 60,
        bufferMinutes: 15,
        price: 140,
        bookingType: 'one_on_one_booking',
        capacity: 1,
      },
      {
        name: 'Physiotherapy Follow-up',
        minutes: 30,
        bufferMinutes: 0,
        price: 95,
        bookingType: 'one_on_one_booking',
        capacity: 1,
      },
      {
        name: 'Clinical Pilates Class',
        minutes: 55,
        bufferMinutes: 5,
        price: 30,
        bookingType: 'class_booking',
        capacity: 8,
      },
    ],
  },
  {
    name: 'Massage Therapy',
    professionalTitle: 'Registered Massage Therapist',
    normalizedType: 'massage_therapy',
    description: 'Therapeutic massage for pain relief and recovery.',
    treatments: [
      {
        name: 'Massage Therapy 60 min',
        minutes: 60,
        bufferMinutes: 15,
        price: 120,
        bookingType: 'one_on_one_booking',
        capacity: 1,
      },
      {
        name: 'Massage Therapy 90 min',
        minutes: 90,
        bufferMinutes: 15,
        price: 165,
        bookingType: 'one_on_one_booking',
        capacity: 1,
      },
    ],
  },
  {
    name: 'Chiropractic',
    professionalTitle: 'Chiropractor',
    normalizedType: 'chiropractic',
    description: 'Spinal and joint assessment and manipulation.',
    treatments: [
      {
        name: 'Chiropractic Initial Visit',
        minutes: 45,
        bufferMinutes: 15,
        price: 110,
        bookingType: 'one_on_one_booking',
        capacity: 1,
      },
      {
        name: 'Chiropractic Adjustment',
        minutes: 15,
        bufferMinutes: 0,
        price: 65,
        bookingType: 'one_on_one_booking',
        capacity: 1,
      },
    ],
  },
  {
    name: 'Acupuncture',
    professionalTitle: 'Acupuncturist',
    normalizedType: 'acupuncture',
    description: 'Traditional and medical acupuncture.',
    treatments: [
      {
        name: 'Acupuncture Treatment',
        minutes: 60,
        bufferMinutes: 10,
        price: 105,
        bookingType: 'one_on_one_booking',
        capacity: 1,
      },
    ],
  },
  {
    name: 'Counselling',
    professionalTitle: 'Registered Clinical Counsellor',
    normalizedType: 'counselling',
    description: 'Individual counselling and psychotherapy.',
    treatments: [
      {
        name: 'Counselling Session',
        minutes: 50,
        bufferMinutes: 10,
        price: 150,
        bookingType: 'one_on_one_booking',
        capacity: 1,
      },
      {
        name: 'Mindfulness Group',
        minutes: 90,
        bufferMinutes: 0,
        price: 40,
        bookingType: 'group_booking',
        capacity: 12,
      },
    ],
  },
  {
    name: 'Naturopathic Medicine',
    professionalTitle: 'Naturopathic Doctor',
    normalizedType: 'naturopathic_medicine',
    description: 'Naturopathic assessment and care.',
    treatments: [
      {
        name: 'Naturopathic Initial Consultation',
        minutes: 75,
        bufferMinutes: 15,
        price: 185,
        bookingType: 'one_on_one_booking',
        capacity: 1,
      },
      {
        name: 'Naturopathic Follow-up',
        minutes: 30,
        bufferMinutes: 0,
        price: 90,
        bookingType: 'one_on_one_booking',
        capacity: 1,
      },
    ],
  },
];

/** Flattened treatment table: index → (discipline index, treatment definition). */
export const TREATMENTS = DISCIPLINES.flatMap((d, disciplineIndex) =>
  d.treatments.map((t) => ({ ...t, disciplineIndex })),
);

export type ObservationCodeDef = {
  category: 'vital_signs' | 'laboratory' | 'exam';
  code: string;
  system: string;
  display: string;
  valueType: 'numeric' | 'string' | 'boolean';
  unit?: string;
  /** Numeric range to draw from, with the number of decimals. */
  range?: readonly [number, number, number];
  choices?: readonly string[];
};

const LOINC = 'http://loinc.org';
const LOCAL_EXAM = 'urn:jane-simulator:exam-finding';

export const OBSERVATION_CODES: readonly ObservationCodeDef[] = [
  {
    category: 'vital_signs',
    code: '8867-4',
    system: LOINC,
    display: 'Heart rate',
    valueType: 'numeric',
    unit: '/min',
    range: [52, 104, 0],
  },
  {
    category: 'vital_signs',
    code: '8480-6',
    system: LOINC,
    display: 'Systolic blood pressure',
    valueType: 'numeric',
    unit: 'mm[Hg]',
    range: [98, 152, 0],
  },
  {
    category: 'vital_signs',
    code: '8462-4',
    system: LOINC,
    display: 'Diastolic blood pressure',
    valueType: 'numeric',
    unit: 'mm[Hg]',
    range: [58, 96, 0],
  },
  {
    category: 'vital_signs',
    code: '29463-7',
    system: LOINC,
    display: 'Body weight',
    valueType: 'numeric',
    unit: 'kg',
    range: [45, 120, 1],
  },
  {
    category: 'vital_signs',
    code: '8302-2',
    system: LOINC,
    display: 'Body height',
    valueType: 'numeric',
    unit: 'cm',
    range: [150, 198, 0],
  },
  {
    category: 'vital_signs',
    code: '8310-5',
    system: LOINC,
    display: 'Body temperature',
    valueType: 'numeric',
    unit: 'Cel',
    range: [36.1, 37.9, 1],
  },
  {
    category: 'vital_signs',
    code: '9279-1',
    system: LOINC,
    display: 'Respiratory rate',
    valueType: 'numeric',
    unit: '/min',
    range: [12, 20, 0],
  },
  {
    category: 'laboratory',
    code: '2345-7',
    system: LOINC,
    display: 'Glucose [Mass/volume] in Serum or Plasma',
    valueType: 'numeric',
    unit: 'mg/dL',
    range: [70, 160, 0],
  },
  {
    category: 'laboratory',
    code: '4548-4',
    system: LOINC,
    display: 'Hemoglobin A1c/Hemoglobin.total in Blood',
    valueType: 'numeric',
    unit: '%',
    range: [4.6, 8.4, 1],
  },
  {
    category: 'laboratory',
    code: '2093-3',
    system: LOINC,
    display: 'Cholesterol [Mass/volume] in Serum or Plasma',
    valueType: 'numeric',
    unit: 'mg/dL',
    range: [140, 260, 0],
  },
  {
    category: 'exam',
    code: '72514-3',
    system: LOINC,
    display: 'Pain severity - 0-10 verbal numeric rating [Score] - Reported',
    valueType: 'numeric',
    unit: '{score}',
    range: [0, 10, 0],
  },
  {
    category: 'exam',
    code: 'lumbar-flexion',
    system: LOCAL_EXAM,
    display: 'Lumbar flexion',
    valueType: 'string',
    choices: ['Full range', 'Limited by pain', 'Reduced 25%', 'Reduced 50%'],
  },
  {
    category: 'exam',
    code: 'fall-risk',
    system: LOCAL_EXAM,
    display: 'Fall risk identified',
    valueType: 'boolean',
  },
];

/** Readings that are taken together (a blood pressure is two values). */
export const OBSERVATION_GROUPS: ReadonlyArray<readonly string[]> = [
  ['8480-6', '8462-4'],
  ['8867-4'],
  ['29463-7', '8302-2'],
  ['8310-5', '9279-1'],
  ['2345-7'],
  ['4548-4'],
  ['2093-3'],
  ['72514-3'],
  ['lumbar-flexion', '72514-3'],
  ['fall-risk'],
];

export const OBSERVATION_NOTES = [
  'Measured seated after 5 minutes rest.',
  'Patient reports improvement since last visit.',
  'Repeat at next visit.',
  'Within expected range.',
  '',
];

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

export const MEDICATIONS = [
  {
    text: 'Amlodipine 5 MG Oral Tablet',
    code: '197361',
    ingredient: 'Amlodipine',
    strength: 5,
    unit: 'mg',
    form: 'tablet',
    frequency: 'daily',
  },
  {
    text: 'Lisinopril 10 MG Oral Tablet',
    code: '314076',
    ingredient: 'Lisinopril',
    strength: 10,
    unit: 'mg',
    form: 'tablet',
    frequency: 'daily',
  },
  {
    text: 'Metformin hydrochloride 500 MG Oral Tablet',
    code: '861007',
    ingredient: 'Metformin hydrochloride',
    strength: 500,
    unit: 'mg',
    form: 'tablet',
    frequency: 'bid',
  },
  {
    text: 'Ibuprofen 600 MG Oral Tablet',
    code: '197806',
    ingredient: 'Ibuprofen',
    strength: 600,
    unit: 'mg',
    form: 'tablet',
    frequency: 'tid as needed',
  },
  {
    text: 'Acetaminophen 325 MG Oral Tablet',
    code: '313782',
    ingredient: 'Acetaminophen',
    strength: 325,
    unit: 'mg',
    form: 'tablet',
    frequency: 'every 6 hours as needed',
  },
  {
    text: 'Vitamin D3 1000 IU',
    code: undefined,
    ingredient: 'Cholecalciferol',
    strength: 1000,
    unit: '[iU]',
    form: 'capsule',
    frequency: 'daily',
  },
  {
    text: 'Magnesium glycinate 200 mg',
    code: undefined,
    ingredient: 'Magnesium glycinate',
    strength: 200,
    unit: 'mg',
    form: 'capsule',
    frequency: 'nightly',
  },
] as const;

export const MEDICATION_SYSTEM = RXNORM;

export const MEDICATION_REASONS = [
  'Hypertension',
  'Type 2 diabetes',
  'Low back pain',
  'Osteoarthritis',
  'Supplement',
];
export const MEDICATION_CHANGE_REASONS = ['completed', 'adverse_reaction', 'patient_request'];

export const CARE_PLAN_TITLES = [
  'Low back pain rehabilitation',
  'Post-operative knee rehabilitation',
  'Shoulder mobility program',
  'Stress management plan',
  'Posture correction program',
  'Blood sugar management',
];

export const CARE_PLAN_ACTIVITIES = [
  { category: 'exercise', description: 'Bird-dog, 3 sets of 10, daily' },
  { category: 'exercise', description: 'Wall slides, 2 sets of 15, twice daily' },
  { category: 'appointment', description: 'Weekly follow-up for 6 weeks' },
  { category: 'nutrition', description: 'Increase protein intake to 1.2 g/kg/day' },
  { category: 'medication', description: 'Ibuprofen as needed for flare-ups, max 3 days' },
] as const;

export const ACTIVITY_PROGRESS = ['Not started', 'In progress', 'Completed 3 of 6 sessions', 'Completed'];

/** Predefined cancellation reasons Jane returns as-is (free text comes back as 'Other'). */
export const CANCEL_REASONS = ['Illness', 'Scheduling conflict', 'Weather', 'Transportation', 'Other'];

export const STAFF_PREFIXES = ['', '', 'Dr.'];
export const STAFF_SUFFIXES = ['PT', 'RMT', 'DC', 'R.Ac', 'RCC', 'ND'];

export const GENDER_WORDS = { female: 'Woman', male: 'Man', other: 'Non-binary', unknown: '' } as const;
export const PRONOUNS = { female: 'she/her', male: 'he/him', other: 'they/them', unknown: '' } as const;

export const CLINIC_NAMES = [
  'Maple Ridge Wellness',
  'Harbourview Physio & Massage',
  'Riverbend Integrated Health',
  'Summit Movement Clinic',
  'Lakeside Health Collective',
];

export const LOCATION_NAMES = ['Downtown', 'Westside', 'North Shore', 'Uptown', 'Eastgate', 'Parkview'];

export const TIME_ZONES = ['America/Chicago', 'America/Denver', 'America/Los_Angeles', 'America/New_York'];
