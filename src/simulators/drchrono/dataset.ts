import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { createRng, type Rng } from '../common/rng.ts';
import { builders } from './builders/index.ts';
import type { BuildContext, GeneratedRecord, Vocabulary } from './builders/types.ts';
import { DAY_MS, startOfDay } from './time-format.ts';

/**
 * The deterministic synthetic DrChrono practice. Records are computed from (seed, resource,
 * index) on demand, so a dataset of a million records costs only its counts until read;
 * relations are index arithmetic (a child's parent is `floor(i * parents / children)` or a
 * hash of i), never lookups, so any record can be built alone.
 */
export type DrChronoDataset = {
  seed: number;
  size: number;
  /** Start of the UTC day the practice's history ends (generated records are never newer). */
  anchor: number;
  resources(): string[];
  count(resource: string): number;
  idOf(resource: string, index: number): number;
  /** The base index behind an id, if the id belongs to a generated record. */
  indexOf(resource: string, id: number): number | undefined;
  record(resource: string, index: number): GeneratedRecord;
};

const volumeSchema = z.record(
  z.string(),
  z.object({
    idStart: z.number().int().nonnegative(),
    per: z.string(),
    ratio: z.number().nonnegative(),
    min: z.number().int().nonnegative().optional(),
  }),
);

const readData = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./data/${name}`, import.meta.url), 'utf8'));

export const DEFAULT_ANCHOR = Date.UTC(2026, 0, 1);

export function generateDrChronoDataset(
  seed: number,
  size: number,
  options: { anchor?: number } = {},
): DrChronoDataset {
  if (!Number.isInteger(size) || size < 1 || size > 10_000_000) {
    throw new Error('dataset size (patients) must be an integer in [1, 10000000]');
  }
  const volumes = volumeSchema.parse(readData('volumes.json'));
  const vocab = readData('vocabulary.json') as Vocabulary;
  const anchor = startOfDay(options.anchor ?? DEFAULT_ANCHOR);

  const counts = new Map<string, number>();
  const countOf = (resource: string, seen: string[] = []): number => {
    const known = counts.get(resource);
    if (known !== undefined) return known;
    const v = volumes[resource];
    if (!v) throw new Error(`dataset has no resource ${resource}`);
    if (seen.includes(resource)) throw new Error(`volume cycle through ${resource}`);
    const base = v.per === 'size' ? size : v.per === 'fixed' ? 1 : countOf(v.per, [...seen, resource]);
    const n = Math.max(v.min ?? 0, Math.ceil(base * v.ratio));
    counts.set(resource, n);
    return n;
  };
  for (const resource of Object.keys(volumes)) countOf(resource);

  const salts = new Map(Object.keys(volumes).map((r) => [r, hashString(r)]));
  const saltOf = (resource: string): number => salts.get(resource) ?? hashString(resource);

  const ctx: BuildContext = {
    anchor,
    vocab,
    count: (resource) => countOf(resource),
    idOf: (resource, index) => (volumes[resource]?.idStart ?? 0) + index + 1,
    parentIndex: (child, index, parent) =>
      Math.min(countOf(parent) - 1, Math.floor((index * countOf(parent)) / Math.max(1, countOf(child)))),
    hashIndex: (resource, index, modulo) => mix(seed ^ saltOf(resource), index) % modulo,
    rngFor: (resource, index) => createRng(mix(seed ^ saltOf(resource), index)),
    appointmentTime: (index) => appointmentTime(anchor, countOf('appointments'), index),
  };

  return {
    seed,
    size,
    anchor,
    resources: () => Object.keys(volumes),
    count: (resource) => countOf(resource),
    idOf: ctx.idOf,
    indexOf(resource, id) {
      const start = volumes[resource]?.idStart;
      if (start === undefined) return undefined;
      const index = id - start - 1;
      return Number.isInteger(index) && index >= 0 && index < countOf(resource) ? index : undefined;
    },
    record(resource, index) {
      const build = builders[resource];
      if (!build) throw new Error(`no builder for ${resource}`);
      return build(ctx, index, ctx.rngFor(resource, index));
    },
  };
}

/**
 * Appointments span two years back and a month ahead in 15-minute slots 08:00–17:00, in
 * scheduled order by id (so id order is DrChrono's scheduled-date order for generated data).
 */
const PAST_DAYS = 730;
const FUTURE_DAYS = 30;
const SLOTS_PER_DAY = 36;
function appointmentTime(anchor: number, total: number, index: number): number {
  const position = Math.floor((index * (PAST_DAYS + FUTURE_DAYS) * SLOTS_PER_DAY) / Math.max(1, total));
  const day = Math.floor(position / SLOTS_PER_DAY) - PAST_DAYS;
  const slot = position % SLOTS_PER_DAY;
  return anchor + day * DAY_MS + 8 * 3_600_000 + slot * 15 * 60_000;
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** A 32-bit avalanche of (seed, index): independent streams per record. */
function mix(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export type { Rng };
