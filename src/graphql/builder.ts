import SchemaBuilder from '@pothos/core';
import type { GatewayContext } from './context.ts';

type Custom = { Input: unknown; Output: unknown };

/** The Pothos types of the gateway schema: FHIR JSON flows through as plain objects. */
export type GatewaySchemaTypes = {
  Context: GatewayContext;
  DefaultFieldNullability: true;
  Scalars: {
    date: Custom;
    dateTime: Custom;
    instant: Custom;
    time: Custom;
    decimal: Custom;
    base64Binary: Custom;
    id: Custom;
    SearchValue: { Input: string; Output: string };
    JSON: Custom;
  };
};

export type GatewayBuilder = PothosSchemaTypes.SchemaBuilder<
  PothosSchemaTypes.ExtendDefaultTypes<GatewaySchemaTypes>
>;

/** FHIR JSON as stored: resources, datatypes and backbone elements alike. */
export type Json = Record<string, unknown>;

export function createBuilder(): GatewayBuilder {
  return new SchemaBuilder<GatewaySchemaTypes>({});
}
