import type { GatewayBuilder } from './builder.ts';
import { CUSTOM_SCALARS, checkScalarInput, literalText, searchValueInput } from './scalars.ts';

/** Registers the custom scalars; answers their names for field typing. */
export function addScalars(builder: GatewayBuilder): ReadonlySet<string> {
  for (const spec of CUSTOM_SCALARS) {
    builder.scalarType(spec.name as 'date', {
      description: spec.description,
      serialize: (value) => value,
      parseValue: (value) => checkScalarInput(spec, value),
      parseLiteral: (node) => checkScalarInput(spec, literalText(node)),
    });
  }
  builder.scalarType('SearchValue', {
    description:
      'A FHIR search value as REST writes it (prefixes, system|code…); any literal is taken as its text, so `active: true` and `use: official` work.',
    serialize: (value) => String(value),
    parseValue: searchValueInput,
    parseLiteral: (node) => searchValueInput(literalText(node)),
  });
  return new Set([...CUSTOM_SCALARS.map((spec) => spec.name), 'SearchValue']);
}
