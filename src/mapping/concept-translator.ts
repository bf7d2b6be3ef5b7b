import type { Coding, ConceptMap } from 'fhir/r4';
import { outcomeIssue } from '../fhir/operation-outcome.ts';
import { MappingFailure, type RunState } from './run-state.ts';

/**
 * Code translation through FHIR ConceptMaps, with FML-like semantics: the first group (whose source
 * system matches, when the input is a Coding) listing the code gives its first target. A code no
 * group lists follows the first candidate group's `unmapped` mode: `provided` keeps the source code
 * and raises a warning, `fixed` gives `unmapped.code`, and no `unmapped` (our default: `fail`) makes
 * the record fail. Nothing is dropped silently.
 */
export type ConceptTranslator = {
  has(conceptMapId: string): boolean;
  /** The target code, or undefined for an empty input. */
  translate(conceptMapId: string, input: unknown, state: RunState): string | undefined;
  /** The whole target Coding (system = group target), or undefined for an empty input. */
  translateCoding(conceptMapId: string, input: unknown, state: RunState): Coding | undefined;
  /** Target code → source code; an unknown code fails unless the group mode is `provided`. */
  translateReverse(conceptMapId: string, input: unknown, state: RunState): string | undefined;
};

type Target = { code: string; display: string | undefined };
type IndexedGroup = {
  source: string | undefined;
  target: string | undefined;
  forward: Map<string, Target>;
  reverse: Map<string, string>;
  unmapped: { mode: 'provided' | 'fixed'; code?: string; display?: string } | undefined;
};

/** Equivalences that say the target does NOT stand for the source. */
const NOT_A_MATCH = new Set(['unmatched', 'disjoint']);
const SUPPORTED_UNMAPPED_MODES = new Set(['provided', 'fixed']);

/** Problems that make a ConceptMap unusable for translation (beyond FHIR validity), as messages. */
export function conceptMapProblems(conceptMap: ConceptMap): string[] {
  const problems: string[] = [];
  if (!conceptMap.id) problems.push('id: a ConceptMap used for translation needs an id');
  (conceptMap.group ?? []).forEach((group, index) => {
    const mode = group.unmapped?.mode;
    if (mode !== undefined && !SUPPORTED_UNMAPPED_MODES.has(mode)) {
      problems.push(`group[${index}].unmapped.mode: '${mode}' is not supported (use provided or fixed)`);
    }
    if (mode === 'fixed' && !group.unmapped?.code) {
      problems.push(`group[${index}].unmapped.code: mode fixed needs a code`);
    }
  });
  return problems;
}

/** Told about every code looked up; used by the unmapped report, never for logging (codes may be data). */
export type TranslationObserver = (event: { conceptMapId: string; code: string; mapped: boolean }) => void;

export function createConceptTranslator(
  conceptMaps: readonly ConceptMap[],
  observe: TranslationObserver = () => {},
): ConceptTranslator {
  const index = new Map<string, IndexedGroup[]>();
  for (const conceptMap of conceptMaps) {
    if (conceptMap.id) index.set(conceptMap.id, (conceptMap.group ?? []).map(indexGroup));
  }

  const groupsFor = (conceptMapId: string, state: RunState): IndexedGroup[] => {
    const groups = index.get(conceptMapId);
    if (!groups) throw new MappingFailure(`ConceptMap ${conceptMapId} is not loaded`, state.path);
    return groups;
  };

  /** The groups that may translate the input, and the input's code. */
  const candidates = (
    conceptMapId: string,
    input: unknown,
    state: RunState,
  ): { groups: IndexedGroup[]; code: string; system: string | undefined } | undefined => {
    const parsed = parseInput(input, state.path);
    if (!parsed) return undefined;
    const all = groupsFor(conceptMapId, state);
    const groups =
      parsed.system === undefined
        ? all
        : all.filter((g) => g.source === undefined || g.source === parsed.system);
    return { groups, code: parsed.code, system: parsed.system };
  };

  const unmappedGroup = (conceptMapId: string, groups: IndexedGroup[], state: RunState): IndexedGroup => {
    const group = groups.find((g) => g.unmapped !== undefined);
    if (!group) throw new MappingFailure(`code not mapped by ConceptMap ${conceptMapId}`, state.path);
    return group;
  };

  const warnProvided = (conceptMapId: string, state: RunState) => {
    state.warnings.push(
      outcomeIssue(
        'warning',
        'code-invalid',
        `Code not mapped by ConceptMap ${conceptMapId}; the source code was kept`,
        state.path,
      ),
    );
  };

  const lookup = (conceptMapId: string, input: unknown, state: RunState) => {
    const found = candidates(conceptMapId, input, state);
    if (!found) return undefined;
    for (const group of found.groups) {
      const target = group.forward.get(found.code);
      if (target) {
        observe({ conceptMapId, code: found.code, mapped: true });
        return { kind: 'mapped' as const, group, target };
      }
    }
    observe({ conceptMapId, code: found.code, mapped: false });
    const group = unmappedGroup(conceptMapId, found.groups, state);
    return { kind: 'unmapped' as const, group, code: found.code, system: found.system };
  };

  return {
    has: (conceptMapId) => index.has(conceptMapId),

    translate(conceptMapId, input, state) {
      const result = lookup(conceptMapId, input, state);
      if (!result) return undefined;
      if (result.kind === 'mapped') return result.target.code;
      if (result.group.unmapped?.mode === 'fixed') return result.group.unmapped.code;
      warnProvided(conceptMapId, state);
      return result.code;
    },

    translateCoding(conceptMapId, input, state) {
      const result = lookup(conceptMapId, input, state);
      if (!result) return undefined;
      if (result.kind === 'mapped') {
        return coding(result.group.target, result.target.code, result.target.display);
      }
      const unmapped = result.group.unmapped;
      if (unmapped?.mode === 'fixed') return coding(result.group.target, unmapped.code, unmapped.display);
      warnProvided(conceptMapId, state);
      return coding(result.system ?? result.group.source, result.code, undefined);
    },

    translateReverse(conceptMapId, input, state) {
      const found = candidates(conceptMapId, input, state);
      if (!found) return undefined;
      const groups =
        found.system === undefined
          ? found.groups
          : groupsFor(conceptMapId, state).filter((g) => g.target === undefined || g.target === found.system);
      for (const group of groups) {
        const source = group.reverse.get(found.code);
        if (source !== undefined) return source;
      }
      // A fixed fallback has no way back: only `provided` can pass an unknown code through.
      if (groups.some((g) => g.unmapped?.mode === 'provided')) {
        warnProvided(conceptMapId, state);
        return found.code;
      }
      throw new MappingFailure(`code not mapped back by ConceptMap ${conceptMapId}`, state.path);
    },
  };
}

function indexGroup(group: NonNullable<ConceptMap['group']>[number]): IndexedGroup {
  const forward = new Map<string, Target>();
  const reverse = new Map<string, string>();
  for (const element of group.element ?? []) {
    if (element.code === undefined) continue;
    for (const target of element.target ?? []) {
      if (target.code === undefined || NOT_A_MATCH.has(target.equivalence)) continue;
      if (!forward.has(element.code))
        forward.set(element.code, { code: target.code, display: target.display });
      if (!reverse.has(target.code)) reverse.set(target.code, element.code);
    }
  }
  const mode = group.unmapped?.mode;
  return {
    source: group.source,
    target: group.target,
    forward,
    reverse,
    unmapped:
      mode === 'provided' || mode === 'fixed'
        ? { mode, code: group.unmapped?.code, display: group.unmapped?.display }
        : undefined,
  };
}

function parseInput(input: unknown, path: string): { code: string; system: string | undefined } | undefined {
  if (input === undefined || input === null) return undefined;
  if (typeof input === 'string') return input === '' ? undefined : { code: input, system: undefined };
  if (typeof input === 'number' || typeof input === 'boolean')
    return { code: String(input), system: undefined };
  if (typeof input === 'object' && typeof (input as Coding).code === 'string') {
    const { code, system } = input as Coding;
    return { code: code as string, system };
  }
  throw new MappingFailure('translate: the input must be a code or a Coding', path);
}

function coding(system: string | undefined, code: string | undefined, display: string | undefined): Coding {
  return {
    ...(system === undefined ? {} : { system }),
    ...(code === undefined ? {} : { code }),
    ...(display === undefined ? {} : { display }),
  };
}
