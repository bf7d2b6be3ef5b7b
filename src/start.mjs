// The entry point of `npm start`. Plain JavaScript on purpose: it must run on any Node to say
// clearly when Node is too old, before any .ts file is loaded (older Node cannot strip types).
import { isSupportedNode, REQUIRED_NODE } from './node-version.mjs';

if (!isSupportedNode(process.versions.node)) {
  process.stderr.write(
    `fhir-gateway needs Node.js ${REQUIRED_NODE} or newer (it runs TypeScript directly); this is Node ${process.versions.node}. Install Node 24 LTS and run npm start again.\n`,
  );
  process.exit(1);
}

await import('./main.ts');
