import { MappingFailure, type NativeIdResolver } from './run-state.ts';

/** A relative literal reference `Type/id` (what the gateway's references are). */
const RELATIVE_REFERENCE = /^([A-Z][A-Za-z]{0,63})\/([A-Za-z0-9.-]{1,64})$/;

/**
 * The reverse of `rewriteFhirReferences`, for writes to a FHIR source (Epic): every relative
 * literal reference `Type/<gateway id>` in the payload becomes `Type/<native id>` through the
 * resolver. Contained (`#x`), absolute and conditional references are left as they are. A
 * reference the resolver cannot answer fails the run, naming the element path, never the value:
 * a write that points at nothing the source knows is worse than no write. Returns a copy.
 */
export function reverseFhirReferences(
  payload: Record<string, unknown>,
  resolve: NativeIdResolver | undefined,
  path = 'payload',
): Record<string, unknown> {
  return reverseValue(payload, resolve, path) as Record<string, unknown>;
}

function reverseValue(value: unknown, resolve: NativeIdResolver | undefined, path: string): unknown {
  if (Array.isArray(value)) return value.map((item, i) => reverseValue(item, resolve, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) out[key] = reverseValue(child, resolve, `${path}.${key}`);
  const literal = out.reference;
  if (typeof literal === 'string') {
    const match = RELATIVE_REFERENCE.exec(literal);
    if (match) {
      if (!resolve)
        throw new MappingFailure(
          'a reference needs a native-id resolver: reverse() was called without one',
          path,
        );
      const nativeId = resolve(literal);
      if (nativeId === undefined || nativeId === '')
        throw new MappingFailure('the reference cannot be resolved to a native id', `${path}.reference`);
      out.reference = `${match[1]}/${nativeId}`;
    }
  }
  return out;
}
