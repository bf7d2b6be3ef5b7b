// Rewrites schema.graphql from the schema the gateway builds (npm run schema:print).
import { writeFileSync } from 'node:fs';
import { loadFhirDefinitions } from '../src/fhir/definitions.ts';
import { printGatewaySchema } from '../src/graphql/print-schema.ts';

const target = new URL('../schema.graphql', import.meta.url);
writeFileSync(target, printGatewaySchema(loadFhirDefinitions()));
console.log(`wrote ${target.pathname}`);
