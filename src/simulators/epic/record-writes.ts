import type { Clock } from '../common/clock.ts';
import type { SimRequest, SimResponse } from '../common/http-server.ts';
import type { Rng } from '../common/rng.ts';
import { epicId } from './epic-ids.ts';
import { EpicHttpError, fhirJson } from './epic-outcome.ts';
import { epicSystems } from './epic-systems.ts';
import type { Resource } from './fhir-types.ts';
import { MAPPED_OBSERVATION_LOINC } from './flowsheet-mappings.ts';
import type { ResourceStore } from './resource-store.ts';

export type WriteDeps = {
  store: ResourceStore;
  clock: Clock;
  rng: Rng;
  seed: number;
  fhirBasePath: string;
  /** Serials for new ids, beyond every generated one (shared with tick). */
  nextIdSerial(): number;
  /** Patient numbers (MRN, EPIC id) after the generated patients' (shared with tick). */
  nextPatientNumber(): number;
};

/** Per-type checks Epic applies before filing a record (error codes 59108/59144/59187). */
const VALIDATORS: Record<string, (r: Resource, store: ResourceStore) => void> = {
  Patient(r) {
    const names = r.name as { family?: string; given?: string[] }[] | undefined;
    if (!Array.isArray(names) || !names.some((n) => n.family || n.given?.length))
      throw new EpicHttpError('59108', 'Patient.name with a family or given name is required');
    if (r.birthDate !== undefined && !/^\d{4}(-\d{2}(-\d{2})?)?$/.test(String(r.birthDate)))
      throw new EpicHttpError('59111', 'Patient.birthDate must be a FHIR date');
    if (r.gender !== undefined && !['male', 'female', 'other', 'unknown'].includes(String(r.gender)))
      throw new EpicHttpError('59111', 'Patient.gender must be male, female, other or unknown');
  },
  Observation(r, store) {
    requireElements(r, ['status', 'code', 'subject']);
    requirePatient(r, store);
    if (
      r.effectiveDateTime === undefined &&
      r.effectivePeriod === undefined &&
      r.effectiveInstant === undefined
    )
      throw new EpicHttpError('59108', 'Observation.effective[x] is required');
    const codings = ((r.code as { coding?: { system?: string; code?: string }[] }).coding ?? []).filter(
      (c) => c.system === 'http://loinc.org',
    );
    if (!codings.some((c) => c.code !== undefined && MAPPED_OBSERVATION_LOINC.has(c.code)))
      throw new EpicHttpError('59187', 'Observation.code has no LOINC code mapped to a flowsheet row');
  },
  DocumentReference(r, store) {
    requireElements(r, ['status', 'type', 'subject', 'content']);
    requirePatient(r, store);
    const content = r.content as { attachment?: unknown }[];
    if (!Array.isArray(content) || content.length === 0 || !content.every((c) => c.attachment))
      throw new EpicHttpError('59108', 'DocumentReference.content.attachment is required');
  },
};

function requireElements(r: Resource, elements: string[]): void {
  for (const e of elements)
    if (r[e] === undefined || r[e] === null)
      throw new EpicHttpError('59108', `${r.resourceType}.${e} is required`);
}

function requirePatient(r: Resource, store: ResourceStore): void {
  const ref = (r.subject as { reference?: string } | undefined)?.reference ?? '';
  const id = ref.startsWith('Patient/') ? ref.slice('Patient/'.length) : undefined;
  if (!id || !store.get('Patient', id))
    throw new EpicHttpError('59144', `${r.resourceType}.subject must reference an existing Patient`);
}

function parseBody(req: SimRequest, type: string): Resource {
  const body = req.body;
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new EpicHttpError('59100', 'The request body must be a FHIR JSON resource (application/fhir+json)');
  const resource = body as Resource;
  if (resource.resourceType !== type) throw new EpicHttpError('59100', `The body must be a ${type} resource`);
  const validate = VALIDATORS[type];
  if (!validate) throw new EpicHttpError('unknown-route', `${type} writes are not supported`);
  return resource;
}

/** POST [type]: 201 with Location; conditional create is unsupported, so retries duplicate (as Epic). */
export function createRecord(deps: WriteDeps, type: string, req: SimRequest): SimResponse {
  const resource = parseBody(req, type);
  VALIDATORS[type]?.(resource, deps.store);
  const id = epicId(deps.rng, deps.nextIdSerial(), deps.seed);
  const now = new Date(deps.clock()).toISOString();
  const stored: Resource = { ...resource, id, meta: { versionId: '1', lastUpdated: now } };
  if (type === 'Patient') stored.identifier = withEpicPatientIdentifiers(stored, deps.nextPatientNumber());
  deps.store.put(stored);
  const location = `${req.baseUrl}${deps.fhirBasePath}/${type}/${id}/_history/1`;
  return respond(req, 201, stored, { location, etag: 'W/"1"' });
}

/** PUT [type]/[id]: replaces an existing record and bumps its version. */
export function updateRecord(deps: WriteDeps, type: string, id: string, req: SimRequest): SimResponse {
  const resource = parseBody(req, type);
  const existing = deps.store.get(type, id);
  if (!existing) throw new EpicHttpError('4102', `No ${type} with that id`);
  if (resource.id !== id)
    throw new EpicHttpError('59111', `The body id must equal the ${type} id in the URL`);
  VALIDATORS[type]?.(resource, deps.store);
  const version = String(Number(existing.meta?.versionId ?? '1') + 1);
  const stored: Resource = {
    ...resource,
    id,
    meta: { ...(resource.meta ?? {}), versionId: version, lastUpdated: new Date(deps.clock()).toISOString() },
  };
  deps.store.put(stored);
  return respond(req, 200, stored, { etag: `W/"${version}"` });
}

function respond(
  req: SimRequest,
  status: number,
  stored: Resource,
  headers: Record<string, string>,
): SimResponse {
  const minimal = String(req.headers.prefer ?? '').includes('return=minimal');
  return minimal ? { status, headers } : fhirJson(status, stored, headers);
}

/** New patients get Epic's EPIC and MRN identifiers, as registration assigns them. */
function withEpicPatientIdentifiers(patient: Resource, patientNumber: number): unknown[] {
  const given = Array.isArray(patient.identifier) ? patient.identifier : [];
  return [
    ...given,
    {
      use: 'usual',
      type: { text: 'EPIC' },
      system: epicSystems.patientEpicId,
      value: `E${1000 + patientNumber}`,
    },
    {
      use: 'usual',
      type: { text: 'EPI' },
      system: epicSystems.patientMrn,
      value: String(300_000 + patientNumber),
    },
  ];
}
