// Rewrites docs/coverage.md from the action catalog as built (npm run coverage:print).
import { writeFileSync } from 'node:fs';
import { printCoverage } from '../src/actions/catalog/print-coverage.ts';
import { loadFhirDefinitions } from '../src/fhir/definitions.ts';

const target = new URL('../docs/coverage.md', import.meta.url);
writeFileSync(target, printCoverage(loadFhirDefinitions()));
console.log(`wrote ${target.pathname}`);
