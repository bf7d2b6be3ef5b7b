import type { Rng } from '../../common/rng.ts';

/** A native DrChrono record and the instant it was last changed (drives `since`). */
export type GeneratedRecord = { record: Record<string, unknown>; updatedAt: number };

export type Vocabulary = {
  specialties: string[];
  officeNames: string[];
  examRooms: string[];
  appointmentReasons: string[];
  appointmentStatuses: string[];
  futureStatuses: string[];
  colors: string[];
  cpt: { code: string; description: string; price: string; type?: string }[];
  icd10: { code: string; name: string; snomed: string }[];
  medications: {
    name: string;
    rxnorm: string;
    ndc: string;
    dose: string;
    units: string;
    frequency: string;
    route: string;
    indication: string;
  }[];
  medicationOrderStatuses: string[];
  allergies: {
    description: string;
    rxnorm: string;
    snomed: string;
    reaction: string;
    snomedReaction: string;
  }[];
  labTests: { code: string; name: string; unit: string; low: number; high: number; spread: number }[];
  sublabs: { name: string; facility_code: string }[];
  vaccines: { name: string; cvx: string; cpt: string; manufacturer: string; mvx: string }[];
  vaccineSites: string[];
  carePlans: { title: string; type: string; code: string; instructions: string }[];
  documentDescriptions: string[];
  messageSubjects: string[];
  doctorMessageTypes: string[];
  commLogTitles: string[];
  taskTitles: string[];
  taskNotes: string[];
  taskCategories: string[];
  taskStatuses: { name: string; category: string }[];
  inventoryCategories: { name: string; type: string }[];
  payers: { name: string; payer_id: string }[];
  adjustmentReasons: string[];
  auditPages: string[];
  prescriptionTypes: string[];
  pharmacies: string[];
  clinicalNoteSections: string[];
  noteValues: string[];
};

export type BuildContext = {
  /** Start of the UTC day the generated history ends. */
  anchor: number;
  vocab: Vocabulary;
  count(resource: string): number;
  idOf(resource: string, index: number): number;
  /** Evenly spread parent of a child: floor(index * parents / children). */
  parentIndex(child: string, index: number, parent: string): number;
  /** A stable pseudo-random index in [0, modulo) for (resource, index). */
  hashIndex(resource: string, index: number, modulo: number): number;
  rngFor(resource: string, index: number): Rng;
  /** Scheduled start of base appointment `index` (epoch ms); non-decreasing in index. */
  appointmentTime(index: number): number;
};

export type Builder = (ctx: BuildContext, index: number, rng: Rng) => GeneratedRecord;
