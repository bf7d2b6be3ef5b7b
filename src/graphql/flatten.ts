import {
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  visit,
} from 'graphql';
import { fhirGraphQLError } from './errors.ts';

/**
 * The FHIR GraphQL directives `@flatten`, `@first`, `@singleton` and `@slice(path:)` change the
 * shape of the result, which GraphQL execution cannot do: the query runs as usual and this module
 * reshapes the result afterwards, walking the operation's selections next to the data.
 */
const SHAPING = new Set(['flatten', 'first', 'singleton', 'slice']);
/** Alias of the hidden field added to read a `@slice(path:)` value the query does not select. */
const SLICE_ALIAS = '__fhirSlice';

export function usesShapingDirectives(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Directive(node) {
      if (SHAPING.has(node.name.value)) found = true;
    },
  });
  return found;
}

function directive(node: FieldNode, name: string): DirectiveNode | undefined {
  return node.directives?.find((d) => d.name.value === name);
}

function slicePath(node: FieldNode): string | undefined {
  const arg = directive(node, 'slice')?.arguments?.find((a) => a.name.value === 'path');
  return arg?.value.kind === Kind.STRING ? arg.value.value : undefined;
}

/** Adds `__fhirSlice: <path>` under each `@slice(path:)` field so its value is in the result. Run after validation. */
export function addSliceFields(document: DocumentNode): DocumentNode {
  return visit(document, {
    Field(node) {
      const path = slicePath(node);
      if (path === undefined || path === '$index' || !node.selectionSet) return undefined;
      const hidden: FieldNode = {
        kind: Kind.FIELD,
        alias: { kind: Kind.NAME, value: SLICE_ALIAS },
        name: { kind: Kind.NAME, value: path },
      };
      return {
        ...node,
        selectionSet: { ...node.selectionSet, selections: [...node.selectionSet.selections, hidden] },
      };
    },
  });
}

type Data = Record<string, unknown>;

/** Reshapes `data` for the operation that produced it. Throws (an OperationOutcome error) when @singleton meets several values. */
export function applyShapingDirectives(
  document: DocumentNode,
  operationName: string | null | undefined,
  data: Data,
): Data {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation) return data;
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  );
  const shape = new Shaper(fragments);
  const out: Data = {};
  shape.object(operation.selectionSet, data, out, undefined);
  return out;
}

class Shaper {
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;

  constructor(fragments: ReadonlyMap<string, FragmentDefinitionNode>) {
    this.fragments = fragments;
  }

  /** Writes the selected fields of `data` into `out`; in a flattened scope (`suffix` defined or `flat`) values accumulate. */
  object(selectionSet: SelectionSetNode, data: Data, out: Data, flat: { suffix: string } | undefined): void {
    const seen = new Set<string>();
    for (const field of this.fields(selectionSet)) {
      const key = field.alias?.value ?? field.name.value;
      // A key selected twice (directly and through a fragment) is one field in the result.
      if (key === SLICE_ALIAS || !(key in data) || seen.has(key)) continue;
      seen.add(key);
      let value = data[key];
      if (directive(field, 'first') && Array.isArray(value)) value = value[0];
      if (value === null || value === undefined) continue;
      if (directive(field, 'flatten') && field.selectionSet) {
        const items = Array.isArray(value) ? value : [value];
        const path = slicePath(field);
        for (const [index, item] of items.entries()) {
          if (item === null || typeof item !== 'object') continue;
          const suffix =
            path === undefined
              ? (flat?.suffix ?? '')
              : `.${path === '$index' ? index : String((item as Data)[SLICE_ALIAS])}`;
          this.object(field.selectionSet, item as Data, out, { suffix });
        }
        continue;
      }
      const shaped = field.selectionSet ? this.nested(field.selectionSet, value) : value;
      if (!flat) {
        out[key] = shaped;
      } else {
        this.accumulate(out, `${key}${flat.suffix}`, shaped, directive(field, 'singleton') !== undefined);
      }
    }
  }

  nested(selectionSet: SelectionSetNode, value: unknown): unknown {
    const one = (item: unknown) => {
      if (item === null || typeof item !== 'object') return item;
      const out: Data = {};
      this.object(selectionSet, item as Data, out, undefined);
      return out;
    };
    return Array.isArray(value) ? value.map(one) : one(value);
  }

  accumulate(out: Data, key: string, value: unknown, singleton: boolean): void {
    if (singleton) {
      const values = Array.isArray(value) ? value : [value];
      if (values.length > 1 || key in out)
        throw fhirGraphQLError(`@singleton: ${key} has more than one value`, 'processing');
      out[key] = values[0];
      return;
    }
    const existing = (out[key] as unknown[] | undefined) ?? [];
    out[key] = existing.concat(Array.isArray(value) ? value : [value]);
  }

  /** The fields of a selection set with fragments expanded (keys absent from the data are skipped by the caller). */
  fields(selectionSet: SelectionSetNode): FieldNode[] {
    const result: FieldNode[] = [];
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) result.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) result.push(...this.fields(selection.selectionSet));
      else {
        const fragment = this.fragments.get(selection.name.value);
        if (fragment) result.push(...this.fields(fragment.selectionSet));
      }
    }
    return result;
  }
}
