import type { Clock } from '../common/clock.ts';
import { json, type Router, type SimRequest, type SimResponse } from '../common/http-server.ts';
import type { AccessGate } from './access.ts';
import type { Catalog, Endpoint } from './catalog.ts';
import { drchronoErrors } from './errors.ts';
import type { Entry, ResourceStore } from './store.ts';
import { formatDateTime } from './time-format.ts';

type SubactionDeps = {
  catalog: Catalog;
  stores: (resource: string) => ResourceStore | undefined;
  clock: Clock;
  gate: AccessGate;
};

type Subaction = (input: {
  deps: SubactionDeps;
  id: number;
  entry: Entry;
  store: ResourceStore;
  req: SimRequest;
  invites: Map<number, Record<string, unknown>>;
}) => SimResponse;

const textOf = (body: unknown, key: string): string | undefined => {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' && v.trim() ? v : undefined;
};

const stamp = (deps: SubactionDeps, record: Record<string, unknown>): Entry => {
  const now = Math.floor(deps.clock() / 1000) * 1000;
  return {
    record: 'updated_at' in record ? { ...record, updated_at: formatDateTime(now) } : record,
    updatedAt: now,
  };
};

/** The `/api/<resource>/{id}/<action>` operations, by `resource/action` (see the catalog's subactions). */
const subactions: Record<string, Partial<Record<string, Subaction>>> = {
  'offices/add_exam_room': {
    POST({ deps, id, entry, store, req }) {
      const rooms = Array.isArray(entry.record.exam_rooms) ? [...entry.record.exam_rooms] : [];
      const name = textOf(req.body, 'name') ?? `Exam ${rooms.length + 1}`;
      rooms.push({ index: rooms.length + 1, name, online_scheduling: false });
      const next = stamp(deps, { ...entry.record, exam_rooms: rooms });
      store.put(id, next);
      return json(201, next.record);
    },
  },
  'medications/append_to_pharmacy_note': {
    PATCH({ deps, id, entry, store, req }) {
      const text = textOf(req.body, 'text') ?? textOf(req.body, 'pharmacy_note');
      if (!text) return drchronoErrors.badRequest({ text: ['This field is required.'] });
      const before = String(entry.record.pharmacy_note ?? '');
      store.put(id, stamp(deps, { ...entry.record, pharmacy_note: before ? `${before}\n\n${text}` : text }));
      return { status: 204 };
    },
  },
  'consent_forms/apply_to_appointment': {
    POST: ({ deps, req }) => consentAppointment(deps, req),
  },
  'consent_forms/unapply_from_appointment': {
    POST: ({ deps, req }) => consentAppointment(deps, req),
  },
  'patients/onpatient_access': {
    POST({ id, entry, invites, req }) {
      const email = textOf(req.body, 'email') ?? String(entry.record.email ?? '');
      if (!email) return drchronoErrors.badRequest({ email: ['This field is required.'] });
      invites.set(id, { patient: id, email, status: 'Invited' });
      return json(201, entry.record);
    },
    GET({ id, invites }) {
      const invite = invites.get(id);
      return invite ? json(200, invite) : drchronoErrors.notFound();
    },
    DELETE({ id, invites }) {
      return invites.delete(id) ? { status: 204 } : drchronoErrors.notFound();
    },
  },
};

function consentAppointment(deps: SubactionDeps, req: SimRequest): SimResponse {
  const raw =
    req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>).appointment : undefined;
  if (raw === undefined || raw === null || raw === '')
    return drchronoErrors.badRequest({ appointment: ['This field is required.'] });
  if (!deps.stores('appointments')?.get(Number(raw))) {
    return drchronoErrors.badRequest({
      appointment: [`Invalid pk "${String(raw)}" - object does not exist.`],
    });
  }
  return { status: 204 };
}

/** Registers subactions and `/api/users/current` (302 to the token's user); before the generic routes. */
export function addSubactionRoutes(router: Router, deps: SubactionDeps): void {
  const invites = new Map<number, Record<string, unknown>>();
  const users = deps.catalog.endpoint('users');
  router.add('GET', '/api/users/current', (req) => {
    const gated = deps.gate(req, users);
    if (!('token' in gated)) return gated;
    const firstUser = [...takeOne(deps.stores('users'))][0];
    if (!firstUser) return drchronoErrors.notFound();
    return { status: 302, headers: { location: `${req.baseUrl}/api/users/${firstUser[0]}` } };
  });
  for (const endpoint of deps.catalog.endpoints) {
    for (const [action, methods] of Object.entries(endpoint.subactions ?? {})) {
      const handlers = subactions[`${endpoint.resource}/${action}`];
      if (!handlers) continue;
      const handler = (req: SimRequest) => runSubaction(deps, endpoint, handlers, req, invites);
      for (const method of new Set([...methods, 'GET', 'POST', 'PATCH', 'PUT', 'DELETE'])) {
        router.add(method, `${endpoint.path}/:id/${action}`, handler);
        router.add(method, `${endpoint.path}/:id/${action}/`, handler);
      }
    }
  }
}

function* takeOne(store: ResourceStore | undefined): Iterable<[number, Entry]> {
  if (!store) return;
  for (const pair of store.scan()) {
    yield pair;
    return;
  }
}

function runSubaction(
  deps: SubactionDeps,
  endpoint: Endpoint,
  handlers: Partial<Record<string, Subaction>>,
  req: SimRequest,
  invites: Map<number, Record<string, unknown>>,
): SimResponse {
  const gated = deps.gate(req, endpoint);
  if (!('token' in gated)) return gated;
  const handler = handlers[req.method];
  if (!handler) return drchronoErrors.methodNotAllowed(req.method, Object.keys(handlers));
  const store = deps.stores(deps.catalog.dataResource(endpoint));
  const id = Number(req.params.id);
  const entry = Number.isInteger(id) ? store?.get(id) : undefined;
  if (!store || !entry) return drchronoErrors.notFound();
  return handler({ deps, id, entry, store, req, invites });
}
