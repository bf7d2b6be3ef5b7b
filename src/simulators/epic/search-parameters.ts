/**
 * The search surface the simulator implements, per resource type: a subset of what Epic's
 * R4 CapabilityStatement advertises, with the element paths each parameter reads and the
 * parameters Epic insists on. Anything not listed answers Epic's 4100 "invalid parameter".
 */
export type SearchParamType = 'id' | 'token' | 'string' | 'date' | 'reference';

export type SearchParamDef = {
  type: SearchParamType;
  paths: string[];
  /** For reference parameters: the only resource type they may point at. */
  target?: string;
  documentation: string;
};

export type ResourceSearchRules = {
  interactions: ('read' | 'search-type' | 'create' | 'update')[];
  params: Record<string, SearchParamDef>;
  /** Each group needs at least one of its parameters (Epic 4111); `_id` alone always suffices. */
  required: string[][];
  /** Epic's error code when a search matches more than the maximum. */
  overLimitCode: '4127' | '59133';
  /** Searches by `patient`/`subject` use the per-patient index instead of a scan. */
  patientScoped: boolean;
};

/** Spellings Epic accepts for the same parameter. */
export const PARAM_ALIASES: Record<string, string> = { _lastupdated: '_lastUpdated' };

/** Parameters that steer the answer rather than filter it. */
export const CONTROL_PARAMS = new Set(['_count', 'sessionID', '_format']);

const id: SearchParamDef = {
  type: 'id',
  paths: ['id'],
  documentation: 'Logical id, comma-separated for several.',
};
const identifier: SearchParamDef = {
  type: 'token',
  paths: ['identifier'],
  documentation: 'Identifier as system|value or value.',
};
const patientRef = (paths: string[]): SearchParamDef => ({
  type: 'reference',
  paths,
  target: 'Patient',
  documentation: 'The patient FHIR id (or Patient/id).',
});
const str = (paths: string[], documentation: string): SearchParamDef => ({
  type: 'string',
  paths,
  documentation,
});
const token = (paths: string[], documentation: string): SearchParamDef => ({
  type: 'token',
  paths,
  documentation,
});
const date = (paths: string[], documentation: string): SearchParamDef => ({
  type: 'date',
  paths,
  documentation,
});
const reference = (paths: string[], documentation: string, target?: string): SearchParamDef => ({
  type: 'reference',
  paths,
  documentation,
  ...(target ? { target } : {}),
});

const address = {
  address: str(['address'], 'Any part of the address.'),
  'address-city': str(['address.city'], 'City.'),
  'address-state': str(['address.state'], 'State.'),
  'address-postalcode': str(['address.postalCode'], 'Postal code.'),
};
const telecom = {
  telecom: token(['telecom.value'], 'Any contact value.'),
  phone: token(['telecom(system=phone).value'], 'Phone number.'),
  email: token(['telecom(system=email).value'], 'Email address.'),
};
const names = {
  name: str(['name'], 'Any part of any name.'),
  family: str(['name.family'], 'Family name.'),
  given: str(['name.given'], 'Given name.'),
};

export const SEARCH_RULES: Record<string, ResourceSearchRules> = {
  Patient: {
    interactions: ['read', 'search-type', 'create'],
    params: {
      _id: id,
      identifier,
      ...names,
      birthdate: date(['birthDate'], 'Date of birth (YYYY-MM-DD), with prefixes.'),
      gender: token(['gender'], 'Administrative gender.'),
      'legal-sex': token(
        [
          'extension(url=http://open.epic.com/FHIR/StructureDefinition/extension/legal-sex).valueCodeableConcept',
        ],
        'Epic legal sex.',
      ),
      ...address,
      ...telecom,
      active: token(['active'], 'Whether the record is active.'),
      'general-practitioner': reference(['generalPractitioner'], 'Primary care provider.'),
      organization: reference(['managingOrganization'], 'Managing organization.', 'Organization'),
    },
    required: [],
    overLimitCode: '4127',
    patientScoped: false,
  },
  Appointment: {
    interactions: ['read', 'search-type'],
    params: {
      _id: id,
      identifier,
      patient: patientRef(['participant.actor']),
      practitioner: reference(['participant.actor'], 'A practitioner taking part.', 'Practitioner'),
      location: reference(['participant.actor'], 'The location.', 'Location'),
      actor: reference(['participant.actor'], 'Any participant.'),
      date: date(['start'], 'Appointment start, with prefixes.'),
      status: token(['status'], 'Appointment status.'),
      'service-category': token(['serviceCategory'], "'appointment' or 'surgery'."),
      'service-type': token(['serviceType'], 'Epic visit type.'),
    },
    required: [['patient', 'identifier', 'practitioner', 'actor']],
    overLimitCode: '59133',
    patientScoped: true,
  },
  Encounter: {
    interactions: ['read', 'search-type'],
    params: {
      _id: id,
      identifier,
      patient: patientRef(['subject']),
      subject: patientRef(['subject']),
      date: date(['period'], 'Encounter period, with prefixes.'),
      class: token(['class'], 'Encounter class.'),
      status: token(['status'], 'Encounter status.'),
      type: token(['type'], 'Encounter type.'),
      practitioner: reference(['participant.individual'], 'Attending practitioner.', 'Practitioner'),
      participant: reference(['participant.individual'], 'Any participant.'),
      location: reference(['location.location'], 'Location.', 'Location'),
      appointment: reference(['appointment'], 'The appointment.', 'Appointment'),
      'service-provider': reference(['serviceProvider'], 'The organization.', 'Organization'),
    },
    required: [['patient', 'subject', 'identifier']],
    overLimitCode: '59133',
    patientScoped: true,
  },
  Observation: {
    interactions: ['read', 'search-type', 'create', 'update'],
    params: {
      _id: id,
      identifier,
      patient: patientRef(['subject']),
      subject: patientRef(['subject']),
      category: token(['category'], 'vital-signs, laboratory, …'),
      code: token(['code'], 'LOINC code or Epic flowsheet row id.'),
      date: date(
        ['effectiveDateTime', 'effectivePeriod', 'effectiveInstant'],
        'When observed, with prefixes.',
      ),
      issued: date(['issued'], 'When resulted, with prefixes.'),
      encounter: reference(['encounter'], 'The encounter.', 'Encounter'),
      status: token(['status'], 'Observation status.'),
      'value-concept': token(['valueCodeableConcept'], 'Coded value.'),
      'component-code': token(['component.code'], 'Component code.'),
      'combo-code': token(['code', 'component.code'], 'Code or component code.'),
    },
    required: [
      ['patient', 'subject'],
      ['category', 'code'],
    ],
    overLimitCode: '59133',
    patientScoped: true,
  },
  DocumentReference: {
    interactions: ['read', 'search-type', 'create', 'update'],
    params: {
      _id: id,
      identifier,
      patient: patientRef(['subject']),
      subject: patientRef(['subject']),
      category: token(['category'], 'Document category.'),
      type: token(['type'], 'Document type (LOINC).'),
      date: date(['date'], 'Document creation time, with prefixes.'),
      period: date(['context.period'], 'Clinical period, with prefixes.'),
      docstatus: token(['docStatus'], 'Document status.'),
      status: token(['status'], 'Reference status.'),
      encounter: reference(['context.encounter'], 'The encounter.', 'Encounter'),
      author: reference(['author'], 'The author.'),
      _lastUpdated: date(['meta.lastUpdated'], 'meta.lastUpdated, with prefixes.'),
    },
    required: [['patient', 'subject', 'identifier', 'encounter', '_lastUpdated']],
    overLimitCode: '59133',
    patientScoped: true,
  },
  Practitioner: {
    interactions: ['read', 'search-type'],
    params: {
      _id: id,
      identifier,
      ...names,
      ...address,
      ...telecom,
      active: token(['active'], 'Whether active.'),
      gender: token(['gender'], 'Gender.'),
    },
    required: [],
    overLimitCode: '59133',
    patientScoped: false,
  },
  PractitionerRole: {
    interactions: ['read', 'search-type'],
    params: {
      _id: id,
      identifier,
      practitioner: reference(['practitioner'], 'The practitioner.', 'Practitioner'),
      location: reference(['location'], 'The location.', 'Location'),
      organization: reference(['organization'], 'The organization.', 'Organization'),
      specialty: token(['specialty'], 'NUCC specialty.'),
      role: token(['code'], 'Role code.'),
      active: token(['active'], 'Whether active.'),
    },
    required: [],
    overLimitCode: '59133',
    patientScoped: false,
  },
  Location: {
    interactions: ['read', 'search-type'],
    params: {
      _id: id,
      identifier,
      name: str(['name', 'alias'], 'Location name.'),
      ...address,
      status: token(['status'], 'Location status.'),
      organization: reference(['managingOrganization'], 'Managing organization.', 'Organization'),
      type: token(['type'], 'Location type.'),
    },
    required: [],
    overLimitCode: '59133',
    patientScoped: false,
  },
  Organization: {
    interactions: ['read', 'search-type'],
    params: { _id: id },
    required: [],
    overLimitCode: '59133',
    patientScoped: false,
  },
  Group: {
    interactions: ['read', 'search-type'],
    params: { _id: id },
    required: [],
    overLimitCode: '59133',
    patientScoped: false,
  },
};
