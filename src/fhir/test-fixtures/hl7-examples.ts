import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { isSupportedResourceType } from '../supported-types.ts';

export type Example = { file: string; resource: Record<string, unknown> };

function examplesDirectory(): string {
  let packageJson: string;
  try {
    packageJson = createRequire(import.meta.url).resolve('hl7.fhir.r4.examples/package.json');
  } catch {
    throw new Error(
      'The HL7 R4 examples are missing: hl7.fhir.r4.examples is a devDependency, run `npm install`.',
    );
  }
  const directory = dirname(packageJson);
  if (!existsSync(join(directory, 'Patient-example.json'))) {
    throw new Error(`hl7.fhir.r4.examples at ${directory} holds no example resources; reinstall it.`);
  }
  return directory;
}

/** The HL7 R4 examples of supported types, sorted by file name (every file is parsed: only its resourceType tells). */
export function supportedExamples(): Example[] {
  const directory = examplesDirectory();
  return readdirSync(directory)
    .filter((file) => file.endsWith('.json') && file !== 'package.json')
    .sort()
    .flatMap((file) => {
      const resource = JSON.parse(readFileSync(join(directory, file), 'utf8')) as Record<string, unknown>;
      const type = resource.resourceType;
      return typeof type === 'string' && isSupportedResourceType(type) ? [{ file, resource }] : [];
    });
}
