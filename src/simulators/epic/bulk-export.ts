import { randomBytes } from 'node:crypto';
import type { Clock } from '../common/clock.ts';
import type { SimRequest, SimResponse } from '../common/http-server.ts';
import { EpicHttpError, fhirJson } from './epic-outcome.ts';
import type { Resource } from './fhir-types.ts';
import type { ResourceStore } from './resource-store.ts';
import { dateRange } from './search-values.ts';

/** Types a Group export writes, in output order: the patients' records, then what they reference. */
export const BULK_EXPORT_TYPES = [
  'Patient',
  'Encounter',
  'Appointment',
  'Observation',
  'DocumentReference',
  'Practitioner',
  'PractitionerRole',
  'Location',
  'Organization',
] as const;

const NDJSON_FORMATS = new Set(['application/fhir+ndjson', 'application/ndjson', 'ndjson']);

type Job = {
  id: string;
  request: string;
  transactionTime: string;
  /** Status polls answered 202 so far; the job completes after `pollsBeforeComplete`. */
  polls: number;
  files: { name: string; type: string; refs: string[] }[];
};

export type BulkExportDeps = {
  store: ResourceStore;
  clock: Clock;
  fhirBasePath: string;
  groupId: string;
  pollsBeforeComplete: number;
  retryAfterSeconds: number;
  /** Records per NDJSON file before a type is split over several files. */
  maxRecordsPerFile: number;
};

export type BulkExport = {
  kickOff(req: SimRequest, groupId: string): SimResponse;
  status(req: SimRequest, jobId: string): SimResponse;
  cancel(jobId: string): SimResponse;
  file(jobId: string, fileName: string): SimResponse;
};

/**
 * FHIR Bulk Data `Group/[id]/$export`: the kick-off snapshots matching record ids, status
 * polls answer 202 with X-Progress and Retry-After until the job is ready, then the output
 * manifest; files are NDJSON per type; DELETE cancels.
 */
export function createBulkExport(deps: BulkExportDeps): BulkExport {
  const jobs = new Map<string, Job>();
  const base = (req: SimRequest) => `${req.baseUrl}${deps.fhirBasePath}`;

  return {
    kickOff(req, groupId) {
      if (groupId !== deps.groupId) throw new EpicHttpError('4102', 'No Group with that id');
      if (!String(req.headers.prefer ?? '').includes('respond-async'))
        throw new EpicHttpError('4100', 'Bulk export requires the header Prefer: respond-async');
      const q = req.url.searchParams;
      const format = q.get('_outputFormat');
      if (format !== null && !NDJSON_FORMATS.has(format))
        throw new EpicHttpError(
          '4100',
          'Only NDJSON output (_outputFormat=application/fhir+ndjson) is supported',
        );
      const types = parseTypes(q.get('_type'));
      const sinceText = q.get('_since');
      let since: number | undefined;
      if (sinceText !== null) {
        const range = dateRange(sinceText);
        if (!range || !/T/.test(sinceText)) throw new EpicHttpError('4100', '_since must be a FHIR instant');
        since = range.lo;
      }
      const patients = new Set([...deps.store.all('Patient')].map((p) => p.id));
      const files: Job['files'] = [];
      for (const type of types) {
        const refs: string[] = [];
        for (const r of deps.store.all(type)) {
          if (since !== undefined && Date.parse(r.meta?.lastUpdated ?? '') <= since) continue;
          if (!belongsToGroup(r, patients)) continue;
          refs.push(r.id ?? '');
        }
        for (let i = 0; i < refs.length; i += deps.maxRecordsPerFile) {
          files.push({
            name: `${type}-${files.length + 1}.ndjson`,
            type,
            refs: refs.slice(i, i + deps.maxRecordsPerFile),
          });
        }
      }
      const id = randomBytes(12).toString('hex');
      jobs.set(id, {
        id,
        request: req.url.href.replace(/^https?:\/\/[^/]+/, req.baseUrl),
        transactionTime: new Date(deps.clock()).toISOString(),
        polls: 0,
        files,
      });
      return { status: 202, headers: { 'content-location': `${base(req)}/BulkRequest/${id}` } };
    },
    status(req, jobId) {
      const job = jobs.get(jobId);
      if (!job) throw new EpicHttpError('bulk-not-found');
      if (job.polls < deps.pollsBeforeComplete) {
        job.polls++;
        const percent = Math.round((100 * job.polls) / (deps.pollsBeforeComplete + 1));
        return {
          status: 202,
          headers: { 'x-progress': `${percent}% complete`, 'retry-after': String(deps.retryAfterSeconds) },
        };
      }
      return fhirJson(200, {
        transactionTime: job.transactionTime,
        request: job.request,
        requiresAccessToken: true,
        output: job.files.map((f) => ({
          type: f.type,
          url: `${base(req)}/BulkRequest/${job.id}/${f.name}`,
          count: f.refs.length,
        })),
        error: [],
      });
    },
    cancel(jobId) {
      if (!jobs.delete(jobId)) throw new EpicHttpError('bulk-not-found');
      return { status: 202 };
    },
    file(jobId, fileName) {
      const job = jobs.get(jobId);
      const file = job?.files.find((f) => f.name === fileName);
      if (!job || !file || job.polls < deps.pollsBeforeComplete) throw new EpicHttpError('bulk-not-found');
      const lines: string[] = [];
      for (const id of file.refs) {
        const r = deps.store.get(file.type, id);
        if (r) lines.push(JSON.stringify(r));
      }
      return {
        status: 200,
        headers: { 'content-type': 'application/fhir+ndjson' },
        body: lines.length ? `${lines.join('\n')}\n` : '',
      };
    },
  };
}

function parseTypes(raw: string | null): string[] {
  if (raw === null) return [...BULK_EXPORT_TYPES];
  const types = raw.split(',').map((t) => t.trim());
  for (const t of types)
    if (!(BULK_EXPORT_TYPES as readonly string[]).includes(t))
      throw new EpicHttpError('4100', `_type ${t} is not exported by this server`);
  return types;
}

/** Patient-compartment records count only when their patient is a member. */
function belongsToGroup(r: Resource, patients: Set<string | undefined>): boolean {
  if (r.resourceType === 'Patient') return patients.has(r.id);
  const refs: string[] = [];
  const subject = (r.subject as { reference?: string } | undefined)?.reference;
  if (subject) refs.push(subject);
  for (const p of (r.participant as { actor?: { reference?: string } }[] | undefined) ?? [])
    if (p.actor?.reference) refs.push(p.actor.reference);
  const patientRefs = refs.filter((x) => x.startsWith('Patient/'));
  if (patientRefs.length === 0) return true;
  return patientRefs.some((x) => patients.has(x.slice('Patient/'.length)));
}
