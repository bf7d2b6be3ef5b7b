import { syntheticPerson } from '../../common/people.ts';
import { examRoomCount, officeOfDoctor, personOfDoctor, stamps, ts } from './relations.ts';
import type { Builder } from './types.ts';

/** The practice itself: doctors, their offices (with exam rooms), user accounts and staff. */
const PRACTICE_GROUP = 41200;

const workDays = (startHour: number, endHour: number) =>
  ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'].map((day, i) => ({
    id: i + 1,
    iso_weekday: day,
    enabled: true,
    work_hours: [
      {
        id: i + 1,
        enabled: true,
        start_time: `${String(startHour).padStart(2, '0')}:00:00`,
        end_time: `${endHour}:00:00`,
      },
    ],
  }));

export const practiceBuilders: Record<string, Builder> = {
  doctors(ctx, i, rng) {
    // First draws of the doctor's stream, as personOfDoctor() reads them for other resources.
    const person = syntheticPerson(rng);
    const { updated } = stamps(ctx, rng);
    return {
      record: {
        id: ctx.idOf('doctors', i),
        first_name: person.firstName,
        last_name: person.lastName,
        suffix: rng.chance(0.8) ? 'MD' : 'DO',
        specialty: ctx.vocab.specialties[i % ctx.vocab.specialties.length],
        job_title: 'Provider/Staff (Private Practice)',
        npi_number: String(1_000_000_000 + ((i * 7_919_191) % 899_999_999)),
        group_npi_number: '1942567890',
        email: `dr.${person.lastName
          .normalize('NFD')
          .replace(/[^A-Za-z]/g, '')
          .toLowerCase()}${i}@example.com`,
        office_phone: person.phone,
        cell_phone: '',
        home_phone: '',
        website: '',
        country: 'US',
        timezone: 'US/Central',
        practice_group: PRACTICE_GROUP,
        practice_group_name: 'Synthetic Health Partners',
        profile_picture: '',
        is_account_suspended: false,
      },
      updatedAt: updated,
    };
  },
  offices(ctx, i, rng) {
    const city = ['Springfield', 'Madison', 'Portland', 'Austin'][i % 4] ?? 'Springfield';
    const { updated } = stamps(ctx, rng, 1500);
    return {
      record: {
        id: ctx.idOf('offices', i),
        name: ctx.vocab.officeNames[i % ctx.vocab.officeNames.length],
        doctor: ctx.idOf('doctors', Math.min(i * 2, ctx.count('doctors') - 1)),
        address: `${rng.int(10, 999)} Health Plaza`,
        city,
        state: ['IL', 'WI', 'OR', 'TX'][i % 4],
        zip_code: ['62704', '53703', '97205', '78701'][i % 4],
        country: 'US',
        phone_number: `555-${rng.int(200, 999)}-${rng.int(1000, 9999)}`,
        fax_number: `555-${rng.int(200, 999)}-${rng.int(1000, 9999)}`,
        tax_id_number_professional: '',
        archived: false,
        online_scheduling: rng.chance(0.5),
        start_time: '08:00:00',
        end_time: '17:00:00',
        // The vendor OpenAPI types exam_rooms as a string; the API returns a list of rooms.
        exam_rooms: Array.from({ length: examRoomCount(i) }, (_, r) => ({
          index: r + 1,
          name: ctx.vocab.examRooms[r] ?? `Exam ${r + 1}`,
          online_scheduling: r === 0,
        })),
        online_timeslots: [],
      },
      updatedAt: updated,
    };
  },
  users(ctx, i, rng) {
    const doctors = ctx.count('doctors');
    const isDoctor = i < doctors;
    const d = isDoctor ? i : (i - doctors) % doctors;
    const person = isDoctor ? personOfDoctor(ctx, d) : personOfDoctor(ctx, d + doctors);
    return {
      record: {
        id: String(ctx.idOf('users', i)),
        username: `${person.firstName
          .normalize('NFD')
          .replace(/[^A-Za-z]/g, '')
          .toLowerCase()}${ctx.idOf('users', i)}`,
        doctor: ctx.idOf('doctors', d),
        practice_group: PRACTICE_GROUP,
        is_doctor: isDoctor,
        is_staff: !isDoctor,
        permissions: '',
      },
      updatedAt: stamps(ctx, rng, 1500).updated,
    };
  },
  staff(ctx, i, rng) {
    const person = personOfDoctor(ctx, i + ctx.count('doctors'));
    const { created, updated } = stamps(ctx, rng, 1500);
    return {
      record: {
        id: ctx.idOf('staff', i),
        user_id: ctx.count('doctors') + i + 1,
        username: `${person.firstName
          .normalize('NFD')
          .replace(/[^A-Za-z]/g, '')
          .toLowerCase()}${ctx.idOf('staff', i)}`,
        first_name: person.firstName,
        last_name: person.lastName,
        doctor: ctx.idOf('doctors', i % ctx.count('doctors')),
        email: person.email,
        cell_phone: person.phone,
        home_phone: '',
        active: true,
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  doctor_options(ctx, i, rng) {
    const { created, updated } = stamps(ctx, rng, 1500);
    return {
      record: {
        id: ctx.idOf('doctors', i),
        doctor: ctx.idOf('doctors', i),
        patient_statement_office: ctx.idOf('offices', officeOfDoctor(ctx, i)),
        office_for_lab_results: ctx.idOf('offices', officeOfDoctor(ctx, i)),
        default_billing_provider: ctx.idOf('doctors', i),
        allowed_payment_methods: ['CASH', 'CHCK', 'CRDT'],
        erx_supervising_providers: [],
        iframe_apps: [],
        enable_everhealth_scribe: rng.chance(0.3),
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  doctor_work_schedule(ctx, i, rng) {
    return {
      record: {
        id: ctx.idOf('doctor_work_schedule', i),
        doctor: ctx.idOf('doctors', i),
        work_days: workDays(8, 17),
      },
      updatedAt: stamps(ctx, rng, 1500).updated,
    };
  },
  office_work_schedule(ctx, i, rng) {
    return {
      record: {
        id: ctx.idOf('office_work_schedule', i),
        office: ctx.idOf('offices', i),
        work_days: workDays(7, 18),
      },
      updatedAt: stamps(ctx, rng, 1500).updated,
    };
  },
  user_groups(ctx, i, rng) {
    const { created, updated } = stamps(ctx, rng, 1500);
    return {
      record: {
        id: ctx.idOf('user_groups', i),
        name: `Care team ${i + 1}`,
        practice_group: PRACTICE_GROUP,
        archived: false,
        members: [String(ctx.count('doctors') + i + 1)],
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
};
