import { type SyntheticPerson, syntheticPerson } from '../../common/people.ts';
import type { Rng } from '../../common/rng.ts';
import { DAY_MS, formatDateTime } from '../time-format.ts';
import type { BuildContext } from './types.ts';

/**
 * Who belongs to whom, by index arithmetic only, so any record can be built without its
 * parents: a patient's doctor, a doctor's office, an appointment's patient.
 */
export const doctorOfPatient = (ctx: BuildContext, p: number): number => p % ctx.count('doctors');
export const officeOfDoctor = (ctx: BuildContext, d: number): number =>
  Math.floor(d / 2) % ctx.count('offices');
export const examRoomCount = (office: number): number => 2 + (office % 3);
export const patientOfAppointment = (ctx: BuildContext, a: number): number =>
  ctx.hashIndex('appointments', a, ctx.count('patients'));
export const doctorOfAppointment = (ctx: BuildContext, a: number): number =>
  doctorOfPatient(ctx, patientOfAppointment(ctx, a));
/** About 2 % of calendar entries are breaks (lunch): no patient, never billed. */
export const isBreakAppointment = (ctx: BuildContext, a: number): boolean =>
  ctx.hashIndex('appointment-breaks', a, 50) === 0;
/**
 * The appointment a billing or chart record hangs off: `a`, or the nearest earlier (else later)
 * one that is not a break, since a clinician never bills a lunch break.
 */
export function visitIndex(ctx: BuildContext, a: number): number {
  for (let back = a; back >= 0; back--) if (!isBreakAppointment(ctx, back)) return back;
  for (let ahead = a + 1; ahead < ctx.count('appointments'); ahead++) {
    if (!isBreakAppointment(ctx, ahead)) return ahead;
  }
  return a;
}

/** The demographics the patients builder draws first from the same stream. */
export const personOfPatient = (ctx: BuildContext, p: number): SyntheticPerson =>
  syntheticPerson(ctx.rngFor('patients', p));
export const personOfDoctor = (ctx: BuildContext, d: number): SyntheticPerson =>
  syntheticPerson(ctx.rngFor('doctors', d));

export const patientId = (ctx: BuildContext, p: number): number => ctx.idOf('patients', p);
export const doctorId = (ctx: BuildContext, d: number): number => ctx.idOf('doctors', d);
export const officeId = (ctx: BuildContext, o: number): number => ctx.idOf('offices', o);
export const appointmentId = (ctx: BuildContext, a: number): string => String(ctx.idOf('appointments', a));

/** A created/updated pair within `[ctx.anchor - daysBack, ctx.anchor)`, updated ≥ created. */
export function stamps(ctx: BuildContext, rng: Rng, daysBack = 730): { created: number; updated: number } {
  const created = ctx.anchor - Math.floor(rng.next() * daysBack * DAY_MS) - 60_000;
  const updated = rng.chance(0.6) ? created : created + Math.floor(rng.next() * (ctx.anchor - created));
  return { created: roundSecond(created), updated: roundSecond(updated) };
}

/** Stamps tied to an event (a visit): created at it, updated shortly after, never after the anchor. */
export function stampsAt(ctx: BuildContext, rng: Rng, at: number): { created: number; updated: number } {
  const created = Math.min(at, ctx.anchor - 60_000);
  const updated = Math.min(created + rng.int(5, 72 * 60) * 60_000, ctx.anchor - 1000);
  return { created: roundSecond(created), updated: roundSecond(Math.max(created, updated)) };
}

const roundSecond = (ms: number): number => Math.floor(ms / 1000) * 1000;

export const ts = formatDateTime;
export const money = (n: number): string => n.toFixed(2);
