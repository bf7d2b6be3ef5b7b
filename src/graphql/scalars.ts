import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { FHIR_ID_PATTERN } from '../fhir/resource-id-check.ts';

/**
 * Custom scalars. FHIR primitives that carry a format (dates, instants, decimals…) get their own
 * scalar so clients see the FHIR type; stored JSON is passed through unchanged on output.
 */
export type ScalarSpec = {
  readonly name: string;
  readonly description: string;
  /** Input check; undefined = any string. */
  readonly pattern?: RegExp;
  /** JSON kind of the stored value. */
  readonly json: 'string' | 'number';
};

const DATE = /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/;
const DATE_TIME =
  /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00)))?)?)?$/;
const INSTANT =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?$/;
const DECIMAL = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
const BASE64 = /^(\s*([0-9a-zA-Z+/=]){4}\s*)+$/;

/** FHIR primitive code → scalar name; anything absent is String (or Int / Boolean below). */
export const PRIMITIVE_SCALARS: Readonly<Record<string, string>> = {
  boolean: 'Boolean',
  integer: 'Int',
  positiveInt: 'Int',
  unsignedInt: 'Int',
  date: 'date',
  dateTime: 'dateTime',
  instant: 'instant',
  time: 'time',
  decimal: 'decimal',
  base64Binary: 'base64Binary',
  id: 'id',
};

export const CUSTOM_SCALARS: readonly ScalarSpec[] = [
  { name: 'date', description: 'FHIR date: YYYY, YYYY-MM or YYYY-MM-DD', pattern: DATE, json: 'string' },
  {
    name: 'dateTime',
    description: 'FHIR dateTime: a date, or a date and time with a zone',
    pattern: DATE_TIME,
    json: 'string',
  },
  {
    name: 'instant',
    description: 'FHIR instant: a date and time with a zone',
    pattern: INSTANT,
    json: 'string',
  },
  { name: 'time', description: 'FHIR time: hh:mm:ss', pattern: TIME, json: 'string' },
  { name: 'decimal', description: 'FHIR decimal, as a JSON number', pattern: DECIMAL, json: 'number' },
  { name: 'base64Binary', description: 'FHIR base64Binary', pattern: BASE64, json: 'string' },
  {
    name: 'id',
    description: 'FHIR resource id: [A-Za-z0-9.-]{1,64}',
    pattern: FHIR_ID_PATTERN,
    json: 'string',
  },
];

/** What a literal in a query means as text: strings, enums (`use: official`), numbers and booleans. */
export function literalText(node: ValueNode): string | undefined {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.ENUM:
    case Kind.INT:
    case Kind.FLOAT:
      return node.value;
    case Kind.BOOLEAN:
      return String(node.value);
    default:
      return undefined;
  }
}

export function checkScalarInput(spec: ScalarSpec, value: unknown): string | number {
  const text = typeof value === 'number' && spec.json === 'number' ? String(value) : value;
  if (typeof text !== 'string' || (spec.pattern && !spec.pattern.test(text))) {
    throw new GraphQLError(`Invalid ${spec.name} value`);
  }
  return spec.json === 'number' ? Number(text) : text;
}

/** Search and filter values: any literal a client writes (`active: true`, `use: official`) as text. */
export function searchValueInput(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new GraphQLError('Invalid search value: expected a string, number or boolean');
}
