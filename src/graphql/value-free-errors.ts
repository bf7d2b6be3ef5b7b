import { GraphQLError } from 'graphql';

/**
 * graphql-js quotes the offending input in its coercion and validation messages
 * (`Variable "$res" got invalid value { subject: …, note: … }; …`, `Expected value of type "T",
 * found "…"`, `Int cannot represent non-integer value: …`). Mutation input is patient data, so
 * these messages keep what helps a client fix the request — the variable, the path of field
 * names, the type, the reason — and drop the value. Messages of shapes not known here are
 * replaced by a generic reason rather than risk quoting input.
 */
export function withoutInputValues(error: GraphQLError): GraphQLError {
  const message = valueFreeMessage(error.message, error.originalError?.message);
  if (message === error.message) return error;
  return new GraphQLError(message, {
    nodes: error.nodes ?? null,
    source: error.source ?? null,
    positions: error.positions ?? null,
    path: error.path ?? null,
    extensions: error.extensions,
  });
}

const NAME = '[_A-Za-z][_0-9A-Za-z]*';
const VARIABLE_PREFIX = new RegExp(`^Variable "\\$${NAME}" got invalid value `);
// graphql-js prints the path from field names and list indexes only.
const PATH_SUFFIX = new RegExp(` at "(${NAME}(?:\\.${NAME}|\\[\\d+\\])*)"$`);
const EXPECTED_VALUE = /^Expected value of type "([^"]*)", found /;

/** The message without the input value it quotes; `inner` is the underlying error's message. */
export function valueFreeMessage(message: string, inner: string | undefined): string {
  const variable = VARIABLE_PREFIX.exec(message);
  if (variable) {
    const head = variable[0].slice(0, -' got invalid value '.length);
    const reason = inner !== undefined && message.endsWith(`; ${inner}`) ? inner : undefined;
    const prefix = reason === undefined ? message : message.slice(0, -(reason.length + 2));
    const at = PATH_SUFFIX.exec(prefix);
    return `${head} got an invalid value${at ? ` at "${at[1]}"` : ''}; ${
      reason === undefined ? GENERIC : valueFreeReason(reason)
    }`;
  }
  const expected = EXPECTED_VALUE.exec(message);
  if (expected) {
    const reason = inner !== undefined && message.endsWith(`; ${inner}`) ? inner : undefined;
    return `Expected value of type "${expected[1]}"${reason === undefined ? '.' : `; ${valueFreeReason(reason)}`}`;
  }
  const scalar = SCALAR_REFUSAL.exec(message);
  if (scalar) return `${scalar[1]}.`;
  if (!ENUM_VALUE.test(message)) return message;
  const reason = valueFreeReason(message);
  return `${reason.charAt(0).toUpperCase()}${reason.slice(1)}`;
}

const GENERIC = 'the value is not valid for its type.';
// `Int cannot represent non-integer value: 1.5`, `Enum "E" cannot represent non-enum value: "x".`
const SCALAR_REFUSAL = new RegExp(`^((?:Enum "${NAME}"|${NAME}) cannot represent[^:]*):[\\s\\S]*$`);
const ENUM_VALUE = new RegExp(`^Value "[\\s\\S]*" does not exist in "(${NAME})" enum\\.([\\s\\S]*)$`);
/** Reasons that quote only names the schema defines (fields, types, enum values). */
const NAMES_ONLY = [
  new RegExp(`^Field "${NAME}" is not defined by type "${NAME}"\\.( Did you mean [^:]*\\?)?$`),
  new RegExp(`^Field "${NAME}" of required type "[\\[\\]!_0-9A-Za-z]+" was not provided\\.$`),
  new RegExp(`^Field "${NAME}" must be non-null\\.$`),
  new RegExp(`^Expected type "${NAME}" to be an object\\.$`),
  /^Expected non-nullable type "[[\]!_0-9A-Za-z]+" not to be null\.$/,
  new RegExp(`^Exactly one key must be specified for OneOf type "${NAME}"\\.$`),
  // The gateway's own scalars say which type refused, never the value (scalars.ts).
  new RegExp(`^Invalid ${NAME} value$`),
  /^Invalid search value: expected a string, number or boolean$/,
];

const EXPECTED_TYPE = new RegExp(`^Expected type "(${NAME})"\\. ([\\s\\S]*)$`);

function valueFreeReason(reason: string): string {
  if (NAMES_ONLY.some((pattern) => pattern.test(reason))) return reason;
  const enumValue = ENUM_VALUE.exec(reason);
  if (enumValue) return `the value does not exist in "${enumValue[1]}" enum.${enumValue[2]}`;
  const scalar = SCALAR_REFUSAL.exec(reason);
  if (scalar) return `${scalar[1]}.`;
  const typed = EXPECTED_TYPE.exec(reason);
  if (typed) return `Expected type "${typed[1]}". ${valueFreeReason(typed[2] as string)}`;
  return GENERIC;
}
