/**
 * The JDP resources the simulator serves, as data: paths, scopes, filters, sorts, envelopes,
 * which timestamps the payload shows and which error shapes an endpoint answers with.
 * Facts follow the JDP OpenAPI (version 2026-01-01); route handlers read this table instead of
 * branching per resource.
 */

export const API_VERSION = '2026-01-01';

export type JaneKind =
  | 'patients'
  | 'appointments'
  | 'staff_members'
  | 'locations'
  | 'disciplines'
  | 'treatments'
  | 'observations'
  | 'care_plans'
  | 'medications'
  | 'document_uploads';

/** `id` fields take `eq` only (comma list); `string` and `datetime` take the comparison set. */
export type FilterType = 'string' | 'datetime' | 'id';

export type FilterSpec = {
  type: FilterType;
  /** Where the value comes from: a payload field, the tracked timestamps, or internal data. */
  source: 'field' | 'created_at' | 'updated_at' | 'internal';
  /** Payload/internal field name when it differs from the filter name. */
  field?: string;
  /** Restricts the operators (e.g. treatments' public_id is `eq` only). */
  ops?: readonly FilterOp[];
};

export type FilterOp = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'co' | 'sw';

export const OPS_BY_TYPE: Record<FilterType, readonly FilterOp[]> = {
  string: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'co', 'sw'],
  datetime: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'],
  id: ['eq'],
};

/** How a field sorts: as text, as a number, or as an instant. */
export type SortType = 'string' | 'number' | 'datetime';
export type SortSpec = { type: SortType; source: 'field' | 'created_at' | 'updated_at'; field?: string };

export type ErrorShape = 'error' | 'errors' | 'object';

export type ResourceSpec = {
  kind: JaneKind;
  /** Path under `/api/{version}` of the collection. */
  path: string;
  /** Path parameter name of the single-record route, as the OpenAPI names it. */
  idParam: string;
  readScope: string;
  createScope?: string;
  updateScope?: string;
  list: boolean;
  /** `standard`: {items,cursor,limit,links,hasNextPage}; `medications`: {items,pagination}. */
  envelope: 'standard' | 'medications';
  /** Whether `links.before` is part of the envelope (observations, care plans). */
  linksBefore: boolean;
  filters: Readonly<Record<string, FilterSpec>>;
  sorts: Readonly<Record<string, SortSpec>>;
  /** Sort used when the request gives none (always ends with the id as tie-breaker). */
  defaultSort: string;
  /** Timestamps shown in the payload; the server tracks both regardless (patients show none). */
  payloadTimestamps: readonly ('created_at' | 'updated_at')[];
  errors: { badRequest: ErrorShape; notFound: ErrorShape };
  /** Payload field replaced by a value of the wrong type when malformed-record injection fires. */
  malformed: { field: string; value: unknown };
};

const tracked = {
  public_id: { type: 'string', source: 'field', field: 'id' },
  created_at: { type: 'datetime', source: 'created_at' },
  updated_at: { type: 'datetime', source: 'updated_at' },
} as const satisfies Record<string, FilterSpec>;

const createdUpdatedSorts = {
  created_at: { type: 'datetime', source: 'created_at' },
  updated_at: { type: 'datetime', source: 'updated_at' },
} as const satisfies Record<string, SortSpec>;

const nameSort = { name: { type: 'string', source: 'field' } } as const satisfies Record<string, SortSpec>;

export const RESOURCES: Readonly<Record<JaneKind, ResourceSpec>> = {
  patients: {
    kind: 'patients',
    path: '/patients',
    idParam: 'patient_id',
    readScope: 'patients:read',
    list: true,
    envelope: 'standard',
    linksBefore: false,
    filters: tracked,
    sorts: { public_id: { type: 'string', source: 'field', field: 'id' }, ...createdUpdatedSorts },
    defaultSort: 'created_at',
    payloadTimestamps: [],
    errors: { badRequest: 'errors', notFound: 'error' },
    malformed: { field: 'date_of_birth', value: 19850412 },
  },
  appointments: {
    kind: 'appointments',
    path: '/appointments',
    idParam: 'appointment_id',
    readScope: 'appointments:read',
    list: true,
    envelope: 'standard',
    linksBefore: false,
    filters: {
      ...tracked,
      start_at: { type: 'datetime', source: 'field' },
      end_at: { type: 'datetime', source: 'field' },
      patient_id: { type: 'id', source: 'field' },
      staff_member_id: { type: 'id', source: 'field' },
      location_id: { type: 'id', source: 'field' },
      treatment_id: { type: 'id', source: 'field' },
    },
    sorts: {
      start_at: { type: 'datetime', source: 'field' },
      end_at: { type: 'datetime', source: 'field' },
      booked_at: { type: 'datetime', source: 'field' },
      ...createdUpdatedSorts,
    },
    defaultSort: 'created_at',
    payloadTimestamps: [],
    errors: { badRequest: 'errors', notFound: 'errors' },
    malformed: { field: 'start_at', value: 1767225600 },
  },
  staff_members: {
    kind: 'staff_members',
    path: '/staff_members',
    idParam: 'staff_member_id',
    readScope: 'staff_members:read',
    list: true,
    envelope: 'standard',
    linksBefore: false,
    filters: tracked,
    sorts: createdUpdatedSorts,
    defaultSort: 'created_at',
    payloadTimestamps: [],
    errors: { badRequest: 'errors', notFound: 'errors' },
    malformed: { field: 'email', value: ['not', 'an', 'email'] },
  },
  locations: {
    kind: 'locations',
    path: '/locations',
    idParam: 'location_id',
    readScope: 'locations:read',
    list: true,
    envelope: 'standard',
    linksBefore: false,
    filters: tracked,
    sorts: { ...nameSort, ...createdUpdatedSorts },
    defaultSort: 'created_at',
    payloadTimestamps: [],
    errors: { badRequest: 'error', notFound: 'object' },
    malformed: { field: 'online_bookable', value: 'sometimes' },
  },
  disciplines: {
    kind: 'disciplines',
    path: '/disciplines',
    idParam: 'discipline_id',
    readScope: 'disciplines:read',
    list: true,
    envelope: 'standard',
    linksBefore: false,
    filters: tracked,
    sorts: { ...nameSort, ...createdUpdatedSorts },
    defaultSort: 'created_at',
    payloadTimestamps: [],
    errors: { badRequest: 'errors', notFound: 'errors' },
    malformed: { field: 'name', value: 42 },
  },
  treatments: {
    kind: 'treatments',
    path: '/treatments',
    idParam: 'id',
    readScope: 'treatments:read',
    list: true,
    envelope: 'standard',
    linksBefore: false,
    filters: {
      public_id: { type: 'id', source: 'field', field: 'id' },
      staff_member_ids: { type: 'id', source: 'internal' },
      created_at: tracked.created_at,
      updated_at: tracked.updated_at,
    },
    sorts: { ...nameSort, price: { type: 'number', source: 'field' }, ...createdUpdatedSorts },
    defaultSort: 'created_at',
    payloadTimestamps: [],
    errors: { badRequest: 'errors', notFound: 'errors' },
    malformed: { field: 'treatment_duration', value: '45 minutes' },
  },
  observations: {
    kind: 'observations',
    path: '/medical-record/observations',
    idParam: 'observation_id',
    readScope: 'observations:read',
    createScope: 'observations:create',
    updateScope: 'observations:update',
    list: true,
    envelope: 'standard',
    linksBefore: true,
    filters: {
      patient_id: { type: 'id', source: 'field' },
      category: { type: 'id', source: 'field' },
      encounter_id: { type: 'id', source: 'field' },
    },
    sorts: { ...createdUpdatedSorts, issued_at: { type: 'datetime', source: 'field' } },
    defaultSort: 'created_at',
    payloadTimestamps: ['created_at', 'updated_at'],
    errors: { badRequest: 'errors', notFound: 'errors' },
    malformed: { field: 'values', value: 'heart rate 72' },
  },
  care_plans: {
    kind: 'care_plans',
    path: '/medical-record/care-plans',
    idParam: 'care_plan_id',
    readScope: 'care_plans:read',
    createScope: 'care_plans:create',
    updateScope: 'care_plans:update',
    list: true,
    envelope: 'standard',
    linksBefore: true,
    filters: {
      patient_id: { type: 'id', source: 'field' },
      category: { type: 'id', source: 'field' },
      encounter_id: { type: 'id', source: 'field' },
    },
    sorts: createdUpdatedSorts,
    defaultSort: 'created_at',
    payloadTimestamps: ['created_at', 'updated_at'],
    errors: { badRequest: 'errors', notFound: 'errors' },
    malformed: { field: 'activities', value: { category: 'exercise' } },
  },
  medications: {
    kind: 'medications',
    path: '/medical-record/medications',
    idParam: 'medication_id',
    readScope: 'medications:read',
    createScope: 'medications:create',
    updateScope: 'medications:update',
    list: true,
    envelope: 'medications',
    linksBefore: false,
    filters: {},
    sorts: createdUpdatedSorts,
    defaultSort: 'created_at',
    payloadTimestamps: ['created_at'],
    errors: { badRequest: 'errors', notFound: 'errors' },
    malformed: { field: 'medication_code', value: 'Amlodipine 5 MG' },
  },
  document_uploads: {
    kind: 'document_uploads',
    path: '/document-uploads',
    idParam: 'document_id',
    readScope: 'document_uploads:read',
    createScope: 'document_uploads:create',
    list: false,
    envelope: 'standard',
    linksBefore: false,
    filters: {},
    sorts: createdUpdatedSorts,
    defaultSort: 'created_at',
    payloadTimestamps: ['created_at'],
    errors: { badRequest: 'errors', notFound: 'errors' },
    malformed: { field: 'file_path', value: 404 },
  },
};

export const ALL_KINDS = Object.keys(RESOURCES) as JaneKind[];

/** Page size defaults: JDP documents 50 as the medications default and 1000 as the search maximum. */
export const PAGE_LIMITS = { default: 50, max: 1000 } as const;

/** `eq` accepts at most this many comma-separated values. */
export const MAX_EQ_VALUES = 100;

/** Scopes the authorization server knows (the OpenAPI list plus the medication scopes it omits). */
export const KNOWN_SCOPES = [
  'openid',
  'patients:read',
  'appointments:read',
  'staff_members:read',
  'locations:read',
  'disciplines:read',
  'treatments:read',
  'companies:read',
  'observations:read',
  'observations:create',
  'observations:update',
  'care_plans:read',
  'care_plans:create',
  'care_plans:update',
  'medications:read',
  'medications:create',
  'medications:update',
  'document_uploads:read',
  'document_uploads:create',
  'conversations:read',
  'conversations:write',
  'messages:read',
  'messages:write',
  'webhooks:read',
  'webhooks:create',
  'webhooks:update',
  'webhooks:delete',
] as const;

/** Jane's throttles: 100 requests/min per endpoint per clinic [V]; 600 per 5 min per clinic [S]. */
export const RATE_LIMITS = [
  { scope: 'endpoint', limit: 100, windowMs: 60_000, match: 'marketing_api/ip/clinic' },
  { scope: 'clinic', limit: 600, windowMs: 300_000, match: 'marketing_api/clinic' },
] as const;
