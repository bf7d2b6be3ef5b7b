import type { Resource } from './fhir-types.ts';

const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * Reads a seed file's content: `{ "Patient": [ … ], "Observation": [ … ] }` or a FHIR
 * Bundle. Every problem is reported at once, by position (never by content, which may
 * identify a person).
 */
export function parseSeedRecords(input: unknown, supportedTypes: readonly string[]): Resource[] {
  const problems: string[] = [];
  const out: Resource[] = [];
  const check = (value: unknown, where: string, expectedType?: string) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      problems.push(`${where}: not a JSON object`);
      return;
    }
    const r = value as Resource;
    if (typeof r.resourceType !== 'string') problems.push(`${where}: resourceType is missing`);
    else if (expectedType && r.resourceType !== expectedType)
      problems.push(`${where}: resourceType ${r.resourceType} is listed under ${expectedType}`);
    else if (!supportedTypes.includes(r.resourceType))
      problems.push(`${where}: resource type ${r.resourceType} is not served by the Epic simulator`);
    if (typeof r.id !== 'string' || !ID_RE.test(r.id))
      problems.push(`${where}: id must be a FHIR id ([A-Za-z0-9-.]{1,64})`);
    out.push(r);
  };

  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new Error('Epic seed records must be a JSON object of arrays per resource type, or a FHIR Bundle');
  }
  const obj = input as Record<string, unknown>;
  if (obj.resourceType === 'Bundle') {
    const entries = obj.entry;
    if (!Array.isArray(entries)) throw new Error('Epic seed Bundle has no entry array');
    entries.forEach((e, i) => {
      check((e as { resource?: unknown } | null)?.resource, `entry[${i}].resource`);
    });
  } else {
    for (const [type, list] of Object.entries(obj)) {
      if (!Array.isArray(list)) {
        problems.push(`${type}: must be an array of resources`);
        continue;
      }
      list.forEach((r, i) => {
        check(r, `${type}[${i}]`, type);
      });
    }
  }
  const seen = new Set<string>();
  for (const r of out) {
    const key = `${r.resourceType}/${r.id}`;
    if (seen.has(key)) problems.push(`${key}: duplicate id`);
    seen.add(key);
  }
  if (problems.length) throw new Error(`Invalid Epic seed records:\n- ${problems.join('\n- ')}`);
  return out;
}
