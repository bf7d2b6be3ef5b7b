import type { Clock } from '../common/clock.ts';
import type { SimRequest, SimResponse } from '../common/http-server.ts';
import type { Rng } from '../common/rng.ts';
import catalog from './clinical-catalog.json' with { type: 'json' };
import { APPOINTMENT_CATEGORY_SYSTEM } from './dataset.ts';
import { epicId } from './epic-ids.ts';
import { EpicHttpError, fhirJson } from './epic-outcome.ts';
import { epicSystems } from './epic-systems.ts';
import type { Bundle, Resource } from './fhir-types.ts';
import type { ResourceStore } from './resource-store.ts';

/**
 * Epic's scheduling (Argonaut-style `Appointment/$find` then `$book`): $find proposes open
 * slots of the organisation's providers in a time window, $book turns a proposal into a
 * booked Appointment that R4 `Appointment` searches then return.
 */
export type SchedulingDeps = {
  store: ResourceStore;
  clock: Clock;
  rng: Rng;
  seed: number;
  fhirBasePath: string;
  nextIdSerial(): number;
  /** Clinic hours (UTC) and slot grid. */
  openHourUtc: number;
  closeHourUtc: number;
  slotMinutes: number;
  maxProposals: number;
  maxWindowDays: number;
};

type Proposal = { practitionerId: string; locationId: string; start: number; visitCode: string };

export type Scheduler = {
  find(req: SimRequest): SimResponse;
  book(req: SimRequest): SimResponse;
};

type ParametersBody = { resourceType?: string; parameter?: Parameter[] };
type Parameter = {
  name?: string;
  valueDateTime?: string;
  valueString?: string;
  valueReference?: { reference?: string };
  valueCodeableConcept?: { coding?: { code?: string }[] };
  resource?: Resource;
};

const PROPOSAL_LIMIT = 10_000;

export function createScheduler(deps: SchedulingDeps): Scheduler {
  const proposals = new Map<string, Proposal>();
  const remember = (proposal: Proposal): string => {
    const id = `prop.${epicId(deps.rng, deps.nextIdSerial(), deps.seed)}`;
    proposals.set(id, proposal);
    // Bounded memory: forget the oldest proposals first.
    for (const key of proposals.keys()) {
      if (proposals.size <= PROPOSAL_LIMIT) break;
      proposals.delete(key);
    }
    return id;
  };

  /** Busy intervals per practitioner, from one pass over the appointments. */
  const busyByPractitioner = (): Map<string, [number, number][]> => {
    const busy = new Map<string, [number, number][]>();
    for (const a of deps.store.all('Appointment')) {
      if (a.status === 'cancelled' || a.status === 'noshow' || a.status === 'entered-in-error') continue;
      const interval: [number, number] = [Date.parse(String(a.start)), Date.parse(String(a.end))];
      for (const p of (a.participant as { actor?: { reference?: string } }[] | undefined) ?? []) {
        const id = refId(p.actor, 'Practitioner');
        if (!id) continue;
        const list = busy.get(id) ?? [];
        list.push(interval);
        busy.set(id, list);
      }
    }
    return busy;
  };
  const overlaps = (
    busy: Map<string, [number, number][]>,
    practitionerId: string,
    start: number,
    end: number,
  ) => (busy.get(practitionerId) ?? []).some(([s, e]) => s < end && e > start);

  return {
    find(req) {
      const params = parameters(req);
      const startText = param(params, 'startTime')?.valueDateTime;
      const endText = param(params, 'endTime')?.valueDateTime;
      if (!startText || !endText) throw new EpicHttpError('4111', '$find requires startTime and endTime');
      const start = Date.parse(startText);
      const end = Date.parse(endText);
      if (Number.isNaN(start) || Number.isNaN(end) || end <= start)
        throw new EpicHttpError(
          '4100',
          'startTime and endTime must be dateTimes with startTime before endTime',
        );
      if (end - start > deps.maxWindowDays * 86_400_000)
        throw new EpicHttpError('4100', `The $find window may span at most ${deps.maxWindowDays} days`);
      const visitCode =
        (param(params, 'service-type') ?? param(params, 'serviceType'))?.valueCodeableConcept?.coding?.[0]
          ?.code ??
        catalog.visitTypes[0]?.code ??
        '';
      const visit = catalog.visitTypes.find((v) => v.code === visitCode);
      if (!visit) throw new EpicHttpError('4100', 'Unknown service-type (visit type)');
      const patientId = patientIdOf(param(params, 'patient'));
      if (patientId !== undefined && !deps.store.get('Patient', patientId))
        throw new EpicHttpError('59144', 'The patient was not found');

      const roles = [...deps.store.all('PractitionerRole')];
      const busy = busyByPractitioner();
      const entries: NonNullable<Bundle['entry']> = [];
      const slotMs = deps.slotMinutes * 60_000;
      const firstSlot = Math.ceil(Math.max(start, deps.clock()) / slotMs) * slotMs;
      for (
        let t = firstSlot;
        t + visit.minutes * 60_000 <= end && entries.length < deps.maxProposals;
        t += slotMs
      ) {
        const at = new Date(t);
        const day = at.getUTCDay();
        const hour = at.getUTCHours();
        if (day === 0 || day === 6 || hour < deps.openHourUtc || hour >= deps.closeHourUtc) continue;
        for (const role of roles) {
          if (entries.length >= deps.maxProposals) break;
          const practitionerId = refId(role.practitioner, 'Practitioner');
          const locationId = refId((role.location as unknown[] | undefined)?.[0], 'Location');
          if (!practitionerId || !locationId) continue;
          const slotEnd = t + visit.minutes * 60_000;
          if (overlaps(busy, practitionerId, t, slotEnd)) continue;
          const proposal = { practitionerId, locationId, start: t, visitCode: visit.code };
          const id = remember(proposal);
          entries.push({
            fullUrl: `${req.baseUrl}${deps.fhirBasePath}/Appointment/${id}`,
            resource: appointmentFor(id, proposal, 'proposed', patientId),
            search: { mode: 'match' },
          });
        }
      }
      return fhirJson(200, {
        resourceType: 'Bundle',
        type: 'searchset',
        total: entries.length,
        entry: entries,
      });
    },
    book(req) {
      const params = parameters(req);
      const patientId = patientIdOf(param(params, 'patient'));
      if (!patientId) throw new EpicHttpError('4111', '$book requires a patient');
      if (!deps.store.get('Patient', patientId))
        throw new EpicHttpError('59144', 'The patient was not found');
      const apptParam = param(params, 'appointment');
      const proposalId =
        apptParam?.valueReference?.reference?.replace(/^.*Appointment\//, '') ?? apptParam?.resource?.id;
      if (!proposalId) throw new EpicHttpError('4111', '$book requires the appointment proposed by $find');
      const proposal = proposals.get(proposalId);
      if (!proposal) throw new EpicHttpError('4102', 'Unknown or expired proposed appointment');
      const visit = catalog.visitTypes.find((v) => v.code === proposal.visitCode);
      const end = proposal.start + (visit?.minutes ?? deps.slotMinutes) * 60_000;
      if (overlaps(busyByPractitioner(), proposal.practitionerId, proposal.start, end))
        throw new EpicHttpError('slot-unavailable', 'The proposed time is no longer available');
      const serial = deps.nextIdSerial();
      const id = epicId(deps.rng, serial, deps.seed);
      const booked = appointmentFor(id, proposal, 'booked', patientId);
      booked.meta = { versionId: '1', lastUpdated: new Date(deps.clock()).toISOString() };
      booked.identifier = [
        { use: 'usual', system: epicSystems.csn, value: String(2_000_000_000 + (serial % 1e9)) },
      ];
      const note = param(params, 'appointmentNote')?.valueString;
      if (note) booked.comment = note;
      proposals.delete(proposalId);
      deps.store.put(booked);
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'searchset',
        total: 1,
        entry: [
          {
            fullUrl: `${req.baseUrl}${deps.fhirBasePath}/Appointment/${id}`,
            resource: booked,
            search: { mode: 'match' },
          },
        ],
      };
      return fhirJson(200, bundle);
    },
  };

  function appointmentFor(id: string, p: Proposal, status: string, patientId: string | undefined): Resource {
    const visit = catalog.visitTypes.find((v) => v.code === p.visitCode);
    const minutes = visit?.minutes ?? deps.slotMinutes;
    const location = deps.store.get('Location', p.locationId);
    const practitioner = deps.store.get('Practitioner', p.practitionerId);
    const participant: unknown[] = [];
    if (patientId)
      participant.push({
        actor: { reference: `Patient/${patientId}` },
        required: 'required',
        status: 'accepted',
      });
    participant.push(
      {
        actor: {
          reference: `Practitioner/${p.practitionerId}`,
          display: (practitioner?.name as { text?: string }[] | undefined)?.[0]?.text,
        },
        required: 'required',
        status: 'accepted',
      },
      {
        actor: { reference: `Location/${p.locationId}`, display: location?.name },
        required: 'required',
        status: 'accepted',
      },
    );
    return {
      resourceType: 'Appointment',
      id,
      status,
      serviceCategory: [
        { coding: [{ system: APPOINTMENT_CATEGORY_SYSTEM, code: 'appointment', display: 'Appointment' }] },
      ],
      serviceType: [
        {
          coding: [{ system: epicSystems.visitType, code: p.visitCode, display: visit?.display }],
          text: visit?.display,
        },
      ],
      start: new Date(p.start).toISOString(),
      end: new Date(p.start + minutes * 60_000).toISOString(),
      minutesDuration: minutes,
      participant,
    };
  }
}

function parameters(req: SimRequest): Parameter[] {
  const body = req.body as ParametersBody | undefined;
  if (
    !body ||
    typeof body !== 'object' ||
    body.resourceType !== 'Parameters' ||
    !Array.isArray(body.parameter)
  )
    throw new EpicHttpError('59100', 'The body must be a FHIR Parameters resource');
  return body.parameter;
}

const param = (params: Parameter[], name: string) => params.find((p) => p.name === name);

function patientIdOf(p: Parameter | undefined): string | undefined {
  if (!p) return undefined;
  if (p.resource?.resourceType === 'Patient') return p.resource.id;
  const ref = p.valueReference?.reference;
  return ref ? ref.replace(/^.*Patient\//, '') : undefined;
}

function refId(value: unknown, type: string): string | undefined {
  const ref = (value as { reference?: string } | undefined)?.reference;
  return ref?.startsWith(`${type}/`) ? ref.slice(type.length + 1) : undefined;
}
