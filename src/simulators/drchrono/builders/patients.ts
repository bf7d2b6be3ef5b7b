import { syntheticPerson } from '../../common/people.ts';
import { DAY_MS, formatDate } from '../time-format.ts';
import { doctorOfPatient, officeOfDoctor, stamps, ts } from './relations.ts';
import type { Builder } from './types.ts';

const RACES = ['white', 'white', 'black', 'asian', 'other', 'declined', 'hawaiian', 'indian', 'blank'];
const ETHNICITIES = ['not_hispanic', 'not_hispanic', 'hispanic', 'declined', 'blank'];
const LANGUAGES = ['eng', 'eng', 'eng', 'eng', 'spa', 'zho', 'fra', 'por', 'rus'];
const PROFILES = ['Insurance', 'Insurance', 'Cash', 'Insurance Out of Network'];
const GENDER = { female: 'Female', male: 'Male', other: 'Other', unknown: 'UNK' } as const;
const PRONOUNS = { female: 'LA29519-8', male: 'LA29518-0', other: 'LA29520-6', unknown: '' } as const;

/** Chart ids look like AAAA000000: four letters of the name, then a number. */
export function chartId(lastName: string, firstName: string, n: number): string {
  const letters = `${lastName}${firstName}XXXX`
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toUpperCase()
    .slice(0, 4);
  return `${letters}${String(n % 1_000_000).padStart(6, '0')}`;
}

export const patientBuilders: Record<string, Builder> = {
  patients(ctx, i, rng) {
    // First draws of the patient's stream, as personOfPatient() reads them for other resources.
    const person = syntheticPerson(rng);
    const d = doctorOfPatient(ctx, i);
    const { created, updated } = stamps(ctx, rng, 1825);
    const deceased = rng.chance(0.01);
    const firstVisit = created + rng.int(1, 30) * DAY_MS;
    return {
      record: {
        id: ctx.idOf('patients', i),
        chart_id: chartId(person.lastName, person.firstName, i + 1),
        first_name: person.firstName,
        middle_name: rng.chance(0.3) ? rng.pick(['A', 'J', 'M', 'L', 'R']) : '',
        last_name: person.lastName,
        nick_name: '',
        date_of_birth: person.birthDate,
        gender: GENDER[person.gender],
        pronouns: PRONOUNS[person.gender],
        race: rng.pick(RACES),
        race_subcategories: [],
        ethnicity: rng.pick(ETHNICITIES),
        preferred_language: rng.pick(LANGUAGES),
        patient_status: deceased ? 'D' : rng.chance(0.08) ? 'I' : 'A',
        date_of_death: deceased ? formatDate(updated) : null,
        doctor: ctx.idOf('doctors', d),
        primary_care_physician: String(ctx.idOf('doctors', d)), // a string in DrChrono's API, unlike doctor
        offices: [ctx.idOf('offices', officeOfDoctor(ctx, d))],
        email: person.email,
        cell_phone: person.phone,
        home_phone: '',
        office_phone: '',
        address: person.address.line1,
        city: person.address.city,
        state: person.address.state,
        zip_code: person.address.postalCode,
        social_security_number: '',
        emergency_contact_name: '',
        emergency_contact_phone: '',
        emergency_contact_relation: '',
        responsible_party_name: '',
        responsible_party_relation: '',
        responsible_party_phone: '',
        responsible_party_email: '',
        employer: '',
        employer_address: '',
        employer_city: '',
        employer_state: '',
        employer_zip_code: '',
        patient_payment_profile: rng.pick(PROFILES),
        copay: rng.pick(['0.00', '20.00', '25.00', '40.00']),
        default_pharmacy: rng.chance(0.7) ? String(rng.int(1_000_000, 9_999_999)) : '',
        preferred_pharmacies: [],
        disable_sms_messages: rng.chance(0.1),
        medication_history_consent: rng.chance(0.8),
        referring_source: '',
        patient_photo: '',
        patient_photo_date: '',
        date_of_first_appointment: formatDate(firstVisit),
        date_of_last_appointment: formatDate(Math.max(firstVisit, updated)),
        created_at: ts(created),
        updated_at: ts(updated),
        // verbose-only fields
        primary_insurance: {
          insurance_company: rng.pick(ctx.vocab.payers).name,
          insurance_payer_id: rng.pick(ctx.vocab.payers).payer_id,
          insurance_id_number: `W${rng.int(100_000_000, 999_999_999)}`,
          insurance_group_number: String(rng.int(10_000, 99_999)),
          insurance_claim_office_number: '',
          insurance_plan_type: rng.pick(['12', 'HM', 'MB', 'CI']),
          insurance_plan_name: rng.pick(['Choice PPO', 'Open Access', 'Medicare Part B']),
          is_subscriber_the_patient: true,
          patient_relationship_to_subscriber: '',
        },
        secondary_insurance: {},
        tertiary_insurance: {},
        auto_accident_insurance: {},
        workers_comp_insurance: {},
        custom_demographics: [],
        patient_flags: [],
        patient_flags_attached: [],
        referring_doctor: {},
      },
      updatedAt: updated,
    };
  },
};
