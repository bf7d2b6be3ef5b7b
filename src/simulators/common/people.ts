import type { Rng } from './rng.ts';

/**
 * Synthetic people shared by the three simulators' generators, so the same seed gives
 * plausible, varied, clearly fictional demographics (555 phone numbers, example.com
 * mail, a fictional street list).
 */
const GIVEN_FEMALE = [
  'Olivia',
  'Emma',
  'Ava',
  'Sophia',
  'Mia',
  'Amelia',
  'Harper',
  'Evelyn',
  'Abigail',
  'Emily',
  'Chloé',
  'Zoë',
  'Aaliyah',
  'Priya',
  'Mei',
  'Fatima',
  'Ingrid',
  'Lucía',
  'Noa',
  'Siobhan',
];
const GIVEN_MALE = [
  'Liam',
  'Noah',
  'Oliver',
  'Elijah',
  'James',
  'William',
  'Benjamin',
  'Lucas',
  'Henry',
  'Theodore',
  'José',
  'Mateo',
  'Arjun',
  'Wei',
  'Omar',
  'Lars',
  'Kwame',
  'Dmitri',
  'Seamus',
  'Hiroshi',
];
const FAMILY = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Hernández',
  'Lopez',
  'Gonzalez',
  'Wilson',
  'Anderson',
  'Thomas',
  'Taylor',
  'Moore',
  'Jackson',
  'Martin',
  'Lee',
  'Pérez',
  'Thompson',
  'White',
  'Harris',
  "O'Brien",
  'Nguyen',
  'Patel',
  'Kim',
  'Müller',
  'Novak',
  'Okafor',
];
const STREETS = [
  'Maple Ave',
  'Oak St',
  'Cedar Ln',
  'Birch Rd',
  'Elm St',
  'Willow Way',
  'Aspen Ct',
  'Pine St',
];
const CITIES: ReadonlyArray<readonly [string, string, string]> = [
  ['Springfield', 'IL', '62704'],
  ['Madison', 'WI', '53703'],
  ['Portland', 'OR', '97205'],
  ['Austin', 'TX', '78701'],
  ['Burlington', 'VT', '05401'],
  ['Boulder', 'CO', '80302'],
  ['Raleigh', 'NC', '27601'],
  ['Ann Arbor', 'MI', '48104'],
];

export type SyntheticPerson = {
  firstName: string;
  lastName: string;
  /** 'female' | 'male' | 'other' | 'unknown' */
  gender: 'female' | 'male' | 'other' | 'unknown';
  /** YYYY-MM-DD */
  birthDate: string;
  phone: string;
  email: string;
  address: { line1: string; city: string; state: string; postalCode: string; country: 'US' };
};

export function syntheticPerson(rng: Rng): SyntheticPerson {
  const roll = rng.next();
  const gender = roll < 0.48 ? 'female' : roll < 0.96 ? 'male' : roll < 0.98 ? 'other' : 'unknown';
  const firstName = rng.pick(
    gender === 'male' ? GIVEN_MALE : gender === 'female' ? GIVEN_FEMALE : [...GIVEN_FEMALE, ...GIVEN_MALE],
  );
  const lastName = rng.pick(FAMILY);
  const year = rng.int(1935, 2022);
  const month = rng.int(1, 12);
  const day = rng.int(1, 28);
  const [city, state, postalCode] = rng.pick(CITIES);
  return {
    firstName,
    lastName,
    gender,
    birthDate: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
    phone: `555-${String(rng.int(100, 999))}-${String(rng.int(1000, 9999))}`,
    email: `${ascii(firstName)}.${ascii(lastName)}${rng.int(1, 999)}@example.com`.toLowerCase(),
    address: { line1: `${rng.int(1, 9999)} ${rng.pick(STREETS)}`, city, state, postalCode, country: 'US' },
  };
}

const ascii = (s: string) => s.normalize('NFD').replace(/[^A-Za-z]/g, '');
