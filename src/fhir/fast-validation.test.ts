import { describe, expect, it } from 'vitest';
import { loadFhirDefinitions } from './definitions.ts';
import { supportedExamples } from './test-fixtures/hl7-examples.ts';
import { VALID_RESOURCES } from './test-fixtures/valid-resources.ts';
import { validateResource } from './validate-resource.ts';

/**
 * The fast path may only ever say "no issue" where the full validator says so too; everywhere else
 * the full validator runs, so every outcome (valid or not) must be exactly the full validator's.
 * Corpus: the HL7 R4 examples of supported types, the hand-written valid resources, and
 * deterministic mutations of both that break them in the ways validation must catch.
 */

const defs = loadFhirDefinitions();
const valid: Record<string, unknown>[] = [
  ...supportedExamples().map((example) => example.resource),
  ...VALID_RESOURCES.map((resource) => resource as unknown as Record<string, unknown>),
];

const full = (resource: unknown) => validateResource(defs, resource, { fastPath: false });
const hasNoIssue = (resource: unknown) =>
  full(resource).issue.every((issue) => issue.severity === 'information');

type Json = Record<string, unknown>;
/** One object inside a resource: the object, and how to reach it (for naming a failing case). */
type Site = { node: Json; path: string };

function sites(resource: Json): Site[] {
  const found: Site[] = [];
  const visit = (node: Json, path: string) => {
    found.push({ node, path });
    for (const [key, value] of Object.entries(node)) {
      const items = Array.isArray(value) ? value : [value];
      items.forEach((item, index) => {
        if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
          visit(item as Json, Array.isArray(value) ? `${path}.${key}[${index}]` : `${path}.${key}`);
        }
      });
    }
  };
  visit(resource, String(resource.resourceType));
  return found;
}

/** A small deterministic PRNG (mulberry32), so the mutated corpus is the same on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mutation = { name: string; apply(site: Site): boolean };

const firstStringKey = (node: Json) =>
  Object.keys(node).find((key) => key !== 'resourceType' && typeof node[key] === 'string');
const firstArrayKey = (node: Json) => Object.keys(node).find((key) => Array.isArray(node[key]));
const anyKey = (node: Json) => Object.keys(node).find((key) => key !== 'resourceType');

/** Sets `node[key]` when there is a key; answers whether it did. */
function set(node: Json, key: string | undefined, value: (old: unknown) => unknown): boolean {
  if (key === undefined) return false;
  node[key] = value(node[key]);
  return true;
}

/** Each breaks a site in place (on a copy of the resource); false when it does not apply there. */
const MUTATIONS: readonly Mutation[] = [
  { name: 'unknown property', apply: ({ node }) => set(node, 'zzUnknown', () => 'x') },
  {
    name: 'a property removed',
    apply: ({ node }) => {
      const key = anyKey(node);
      if (key !== undefined) delete node[key];
      return key !== undefined;
    },
  },
  { name: 'string replaced by a number', apply: ({ node }) => set(node, firstStringKey(node), () => 42) },
  {
    name: 'string with inner double space and trailing space',
    apply: ({ node }) => set(node, firstStringKey(node), () => 'a  b '),
  },
  { name: 'whitespace-only string', apply: ({ node }) => set(node, firstStringKey(node), () => '  ') },
  { name: 'null value', apply: ({ node }) => set(node, anyKey(node), () => null) },
  { name: 'empty array', apply: ({ node }) => set(node, firstArrayKey(node), () => []) },
  {
    name: 'array made single',
    apply: ({ node }) => set(node, firstArrayKey(node), (old) => (old as unknown[])[0]),
  },
  {
    name: 'single made array',
    apply: ({ node }) =>
      set(
        node,
        Object.keys(node).find((key) => key !== 'resourceType' && !Array.isArray(node[key])),
        (old) => [old],
      ),
  },
  {
    name: 'empty object',
    apply: ({ node }) =>
      set(
        node,
        Object.keys(node).find((key) => typeof node[key] === 'object' && !Array.isArray(node[key])),
        () => ({}),
      ),
  },
  {
    name: 'reference to a type not allowed',
    apply: ({ node }) => typeof node.reference === 'string' && set(node, 'reference', () => 'Basic/zz'),
  },
  {
    name: 'contained reference to nothing',
    apply: ({ node }) => typeof node.reference === 'string' && set(node, 'reference', () => '#nothing'),
  },
  {
    name: 'code outside its value set',
    apply: ({ node }) =>
      set(
        node,
        ['status', 'gender', 'use', 'code', 'system'].find((key) => typeof node[key] === 'string'),
        () => 'zz-not-a-code',
      ),
  },
  {
    name: 'extension with both a value and extensions (ext-1)',
    apply: ({ node }) =>
      typeof node.url === 'string' &&
      set(node, 'valueString', () => 'v') &&
      set(node, 'extension', () => [{ url: 'http://example.org/x', valueBoolean: true }]),
  },
  {
    name: 'extension with neither (ext-1)',
    apply: ({ node }) => {
      if (typeof node.url !== 'string') return false;
      for (const key of Object.keys(node))
        if (key.startsWith('value') || key === 'extension') delete node[key];
      return true;
    },
  },
  {
    name: 'period ending before it starts (per-1)',
    apply: ({ node }) =>
      typeof node.start === 'string' &&
      set(node, 'start', () => '2030-01-02') &&
      set(node, 'end', () => '2030-01-01'),
  },
  {
    name: 'contact point value without system (cpt-2)',
    apply: ({ node }) => {
      if (typeof node.value !== 'string' || typeof node.system !== 'string') return false;
      delete node.system;
      return true;
    },
  },
  {
    name: 'quantity code without system (qty-3)',
    apply: ({ node }) => {
      if (typeof node.value !== 'number') return false;
      delete node.system;
      return set(node, 'code', () => 'mg');
    },
  },
  {
    name: 'two types of one choice element',
    apply: ({ node }) => {
      const key = Object.keys(node).find((k) =>
        /^(value|effective|onset|deceased|multipleBirth)[A-Z]/.test(k),
      );
      if (key === undefined) return false;
      const base = key.replace(/[A-Z].*$/, '');
      return key === `${base}String`
        ? set(node, `${base}Boolean`, () => true)
        : set(node, `${base}String`, () => 'x');
    },
  },
  {
    name: 'primitive extension added',
    apply: ({ node }) => {
      const key = firstStringKey(node);
      return (
        key !== undefined &&
        set(node, `_${key}`, () => ({ extension: [{ url: 'http://example.org/e', valueString: 'e' }] }))
      );
    },
  },
  {
    name: 'nested resource where none belongs',
    apply: ({ node }) => set(node, 'meta', () => ({ resourceType: 'Patient' })),
  },
  { name: 'bad id', apply: ({ node }) => node.resourceType !== undefined && set(node, 'id', () => 'a b') },
  {
    name: 'impossible date',
    apply: ({ node }) =>
      set(
        node,
        Object.keys(node).find(
          (key) => typeof node[key] === 'string' && /^\d{4}-\d{2}-\d{2}/.test(node[key] as string),
        ),
        () => '2023-02-29',
      ),
  },
];

/**
 * Mutated copies: each resource gets every fourth mutation (rotating, so every kind meets about a
 * quarter of the resources), at a site chosen at random (seeded) among those it applies to.
 */
function mutatedCorpus(): Array<{ name: string; resource: Json }> {
  const next = random(20261204);
  const corpus: Array<{ name: string; resource: Json }> = [];
  valid.forEach((original, index) => {
    MUTATIONS.forEach((mutation, kind) => {
      if ((kind + index) % 4 !== 0) return;
      for (let attempt = 0; attempt < 3; attempt++) {
        const copy = structuredClone(original);
        const all = sites(copy);
        const site = all[Math.floor(next() * all.length)] as Site;
        if (mutation.apply(site)) {
          corpus.push({
            name: `#${index} ${String(copy.resourceType)} ${mutation.name} at ${site.path}`,
            resource: copy,
          });
          return;
        }
      }
    });
  });
  return corpus;
}

describe('the fast validation path', () => {
  it('is taken for most valid resources, and only where the full validator finds no issue', () => {
    let accepted = 0;
    const wrong: string[] = [];
    for (const resource of valid) {
      if (!defs.fastValidator.accepts(resource)) continue;
      accepted++;
      if (!hasNoIssue(resource)) wrong.push(`${String(resource.resourceType)}/${String(resource.id)}`);
    }
    expect(wrong).toEqual([]);
    // Most HL7 examples use primitive extensions, contained resources or narrative-free edge cases
    // somewhere; the fast path must still carry a large share, or it would not speed anything up.
    expect(accepted).toBeGreaterThan(valid.length / 3);
  });

  it('gives the full validator’s outcome, issue for issue, on every valid and broken resource', () => {
    const corpus = [
      ...valid.map((resource) => ({ name: String(resource.id), resource })),
      ...mutatedCorpus(),
    ];
    expect(corpus.length).toBeGreaterThan(valid.length * 4);
    const differing: string[] = [];
    let acceptedBroken = 0;
    for (const { name, resource } of corpus) {
      const expected = full(resource);
      if (JSON.stringify(validateResource(defs, resource)) !== JSON.stringify(expected)) differing.push(name);
      if (defs.fastValidator.accepts(resource)) {
        acceptedBroken++;
        if (!expected.issue.every((issue) => issue.severity === 'information'))
          differing.push(`${name} (accepted)`);
      }
    }
    expect(differing).toEqual([]);
    expect(acceptedBroken).toBeGreaterThan(0);
  });

  it('leaves nothing of a resource it cannot read to chance: odd input goes to the full validator', () => {
    const accepts = (resource: unknown) => defs.fastValidator.accepts(resource as Json);
    const patient = { resourceType: 'Patient', id: 'p1', name: [{ family: 'Doe' }] };
    expect(accepts(patient)).toBe(true);
    expect(accepts({ ...patient, name: [{ family: 'Doe' }, null] })).toBe(false);
    expect(accepts({ ...patient, name: [] })).toBe(false);
    expect(accepts({ ...patient, gender: undefined })).toBe(false);
    expect(accepts({ ...patient, _gender: { extension: [] } })).toBe(false);
    expect(accepts({ ...patient, contained: [{ resourceType: 'Patient', id: 'c' }] })).toBe(false);
    expect(accepts({ ...patient, deceasedBoolean: true, deceasedDateTime: '2020' })).toBe(false);
    expect(accepts({ ...patient, resourceType: 'NoSuchType' })).toBe(false);
    expect(accepts({ ...patient, __proto__: { polluted: true } })).toBe(true);
    expect(accepts({ ...patient, constructor: 'x' })).toBe(false);
  });
});
