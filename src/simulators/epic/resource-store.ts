import { compileElementPath, type ElementGetter } from './element-path.ts';
import type { Resource } from './fhir-types.ts';

/** Where each type points at its patient (drives the per-patient index). */
const PATIENT_REFERENCE_PATHS: Record<string, string> = {
  Appointment: 'participant.actor.reference',
  Encounter: 'subject.reference',
  Observation: 'subject.reference',
  DocumentReference: 'subject.reference',
};

/**
 * In-memory records of one simulated Epic organisation, by type and id, with a
 * per-patient index so patient-scoped searches (the common Epic case) need no scan.
 */
export type ResourceStore = {
  get(type: string, id: string): Resource | undefined;
  /** Records of a type in insertion order. */
  all(type: string): IterableIterator<Resource>;
  count(type: string): number;
  /** The `n`-th record of a type in insertion order (random picks without copying). */
  at(type: string, n: number): Resource | undefined;
  /** Records of `type` that point at Patient/`patientId`. */
  forPatient(type: string, patientId: string): Resource[];
  /** Inserts or replaces a record (its id must be set). */
  put(resource: Resource): void;
  types(): string[];
};

export function createResourceStore(): ResourceStore {
  const byType = new Map<string, Map<string, Resource>>();
  const patientIndex = new Map<string, Map<string, Set<string>>>();
  const idLists = new Map<string, string[]>();

  const patientPaths = new Map<string, ElementGetter>(
    Object.entries(PATIENT_REFERENCE_PATHS).map(([type, path]) => [type, compileElementPath(path)]),
  );

  const patientsOf = (resource: Resource): string[] => {
    const getter = patientPaths.get(resource.resourceType);
    if (!getter) return [];
    return getter(resource)
      .filter((r): r is string => typeof r === 'string' && r.startsWith('Patient/'))
      .map((r) => r.slice('Patient/'.length));
  };

  const table = (type: string) => {
    let t = byType.get(type);
    if (!t) {
      t = new Map();
      byType.set(type, t);
    }
    return t;
  };

  const index = (type: string) => {
    let i = patientIndex.get(type);
    if (!i) {
      i = new Map();
      patientIndex.set(type, i);
    }
    return i;
  };

  return {
    get: (type, id) => byType.get(type)?.get(id),
    all: (type) => (byType.get(type) ?? new Map<string, Resource>()).values(),
    count: (type) => byType.get(type)?.size ?? 0,
    at(type, n) {
      const id = idLists.get(type)?.[n];
      return id === undefined ? undefined : byType.get(type)?.get(id);
    },
    forPatient(type, patientId) {
      const ids = patientIndex.get(type)?.get(patientId);
      if (!ids) return [];
      const t = byType.get(type);
      return [...ids].map((id) => t?.get(id)).filter((r): r is Resource => r !== undefined);
    },
    put(resource) {
      if (!resource.id) throw new Error('resource id required');
      const t = table(resource.resourceType);
      const previous = t.get(resource.id);
      if (previous) {
        for (const p of patientsOf(previous)) index(resource.resourceType).get(p)?.delete(resource.id);
      }
      if (!previous) {
        let list = idLists.get(resource.resourceType);
        if (!list) {
          list = [];
          idLists.set(resource.resourceType, list);
        }
        list.push(resource.id);
      }
      t.set(resource.id, resource);
      for (const p of patientsOf(resource)) {
        const i = index(resource.resourceType);
        let ids = i.get(p);
        if (!ids) {
          ids = new Set();
          i.set(p, ids);
        }
        ids.add(resource.id);
      }
    },
    types: () => [...byType.keys()],
  };
}
