import type {
  Address,
  CodeableConcept,
  Coding,
  ContactPoint,
  HumanName,
  Identifier,
  Money,
  Period,
  Quantity,
  Reference,
  Resource,
  Timing,
} from 'fhir/r4';
import { parseDateRange, periodRange } from './date-range.ts';
import type { FhirDefinitions } from './definitions.ts';
import type { IndexEntry } from './index-entry.ts';
import { referenceTarget } from './references.ts';
import type { SearchParamKind, TypedValue } from './search-parameters.ts';
import { normalizeSearchText } from './search-text.ts';

export type ExtractOptions = { via?: 'compiled' | 'fhirpath'; derived?: boolean };

type EntryMaker = (param: string, typed: TypedValue) => IndexEntry[];

/**
 * Index entries of every search parameter of the resource's type, deduplicated. Values of a type a
 * parameter kind cannot index (e.g. a Range under a quantity parameter) yield nothing.
 * `via: 'fhirpath'` evaluates every expression with fhirpath.js instead of the compiled walkers
 * (search-path-walker.ts): the reference the walkers are tested against. `derived: false` leaves
 * out the entries a store answers from others (IndexEntry's `derived`), for a store that skips them.
 */
export function extractIndexEntries(
  defs: FhirDefinitions,
  resource: Resource,
  { via = 'compiled', derived: withDerived = true }: ExtractOptions = {},
): IndexEntry[] {
  const parameters = defs.searchParameters.get(resource.resourceType);
  if (!parameters) throw new Error(`Resource type ${resource.resourceType} is not supported`);
  const entries: IndexEntry[] = [];
  for (const parameter of parameters.byCode.values()) {
    const derived = parameter.source.from !== 'own';
    if (derived && !withDerived) continue;
    const values =
      via === 'compiled' ? parameter.evaluate(resource) : parameter.evaluateWithFhirpath(resource);
    if (values.length === 0) continue;
    const make = ENTRY_MAKERS[parameter.kind];
    const start = entries.length;
    for (const typed of values)
      for (const entry of make(parameter.code, typed)) entries.push(derived ? { ...entry, derived } : entry);
    // Entries of different parameters never collide (the code is part of each), so duplicates
    // are only looked for within the parameter, and only when it has several entries.
    if (entries.length - start > 1) dedupeFrom(entries, start);
  }
  return entries;
}

/** Removes, in place, later duplicates among entries[start…], keeping the first of each. */
function dedupeFrom(entries: IndexEntry[], start: number): void {
  const seen = new Set<string>();
  let kept = start;
  for (let i = start; i < entries.length; i++) {
    const entry = entries[i] as IndexEntry;
    const key = JSON.stringify(entry);
    if (seen.has(key)) continue;
    seen.add(key);
    entries[kept++] = entry;
  }
  entries.length = kept;
}

const ENTRY_MAKERS: Readonly<Record<SearchParamKind, EntryMaker>> = {
  string: stringEntries,
  token: tokenEntries,
  date: dateEntries,
  reference: referenceEntries,
  number: numberEntries,
  quantity: quantityEntries,
  uri: uriEntries,
};

/** The parts of complex types that string search looks into (FHIR: "any of the string fields"). */
function stringParts(typed: TypedValue): unknown[] {
  switch (typed.type) {
    case 'HumanName': {
      const name = typed.value as HumanName;
      return [name.text, name.family, ...(name.given ?? []), ...(name.prefix ?? []), ...(name.suffix ?? [])];
    }
    case 'Address': {
      const address = typed.value as Address;
      const { text, city, district, state, postalCode, country } = address;
      return [text, ...(address.line ?? []), city, district, state, postalCode, country];
    }
    default:
      return [typed.value];
  }
}

function stringEntries(param: string, typed: TypedValue): IndexEntry[] {
  return stringParts(typed)
    .filter((part): part is string => typeof part === 'string' && part.length > 0)
    .map((raw) => ({ param, kind: 'string', value: normalizeSearchText(raw), raw }));
}

function token(param: string, system: unknown, code: unknown, text: unknown): IndexEntry {
  return {
    param,
    kind: 'token',
    system: typeof system === 'string' ? system : null,
    code: typeof code === 'string' ? code : null,
    text: typeof text === 'string' ? normalizeSearchText(text) : null,
  };
}

function codingEntry(param: string, coding: Coding): IndexEntry {
  return token(param, coding.system, coding.code, coding.display);
}

function tokenEntries(param: string, typed: TypedValue): IndexEntry[] {
  const { type, value } = typed;
  switch (type) {
    case 'Coding':
      return [codingEntry(param, value as Coding)];
    case 'CodeableConcept': {
      const concept = value as CodeableConcept;
      const codings = (concept.coding ?? []).map((coding) => codingEntry(param, coding));
      return concept.text === undefined ? codings : [...codings, token(param, null, null, concept.text)];
    }
    case 'Identifier': {
      const identifier = value as Identifier;
      return [token(param, identifier.system, identifier.value, identifier.type?.text)];
    }
    case 'ContactPoint': {
      const contact = value as ContactPoint;
      return [token(param, contact.system, contact.value, null)];
    }
    case 'boolean':
      return typeof value === 'boolean' ? [token(param, null, String(value), null)] : [];
    default:
      return typeof value === 'string' ? [token(param, null, value, null)] : [];
  }
}

function dateEntries(param: string, typed: TypedValue): IndexEntry[] {
  const { type, value } = typed;
  const ranges =
    type === 'Period'
      ? [periodRange((value as Period).start, (value as Period).end)]
      : type === 'Timing'
        ? ((value as Timing).event ?? []).map(parseDateRange)
        : typeof value === 'string'
          ? [parseDateRange(value)]
          : [];
  return ranges.flatMap((range) =>
    range ? [{ param, kind: 'date' as const, low: range.low, high: range.high }] : [],
  );
}

function referenceEntries(param: string, typed: TypedValue): IndexEntry[] {
  const ref = typed.type === 'Reference' ? (typed.value as Reference).reference : typed.value;
  if (typeof ref !== 'string' || ref.length === 0 || ref.startsWith('#')) return [];
  const parsed = typed.type === 'Reference' ? referenceTarget(ref) : undefined;
  return [
    { param, kind: 'reference', ref, refType: parsed?.resourceType ?? null, refId: parsed?.id ?? null },
  ];
}

function numberEntries(param: string, typed: TypedValue): IndexEntry[] {
  return typeof typed.value === 'number' ? [{ param, kind: 'number', value: typed.value }] : [];
}

const QUANTITY_TYPES = new Set([
  'Quantity',
  'Age',
  'Duration',
  'Distance',
  'Count',
  'SimpleQuantity',
  'MoneyQuantity',
]);

function quantityEntries(param: string, typed: TypedValue): IndexEntry[] {
  if (QUANTITY_TYPES.has(typed.type)) {
    const quantity = typed.value as Quantity;
    if (typeof quantity.value !== 'number') return [];
    const { system = null, code = null, unit = null } = quantity;
    return [{ param, kind: 'quantity', value: quantity.value, system, code, unit }];
  }
  if (typed.type === 'Money') {
    const money = typed.value as Money;
    if (typeof money.value !== 'number') return [];
    const currency = money.currency ?? null;
    return [
      {
        param,
        kind: 'quantity',
        value: money.value,
        system: 'urn:iso:std:iso:4217',
        code: currency,
        unit: currency,
      },
    ];
  }
  return [];
}

function uriEntries(param: string, typed: TypedValue): IndexEntry[] {
  return typeof typed.value === 'string' ? [{ param, kind: 'uri', value: typed.value }] : [];
}
