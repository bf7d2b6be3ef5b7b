import { getIntrospectionQuery, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { introspectionKey } from '../../src/graphql/yoga-plugin.ts';

describe('introspection cache key', () => {
  it('is given for schema-only queries, by operation, variables and text', () => {
    const query = parse(getIntrospectionQuery());
    const key = introspectionKey(query, 'IntrospectionQuery', {});
    expect(key).toBeDefined();
    expect(introspectionKey(query, 'IntrospectionQuery', {})).toBe(key);
    expect(introspectionKey(parse('{ __type(name: "Patient") { name } }'), undefined, {})).toBeDefined();
    expect(introspectionKey(parse('{ __typename }'), undefined, { a: 1 })).not.toBe(
      introspectionKey(parse('{ __typename }'), undefined, { a: 2 }),
    );
  });

  it('is never given when the operation reads data or is not a query', () => {
    expect(introspectionKey(parse('{ __typename Patient(id: "a") { id } }'), undefined, {})).toBeUndefined();
    expect(introspectionKey(parse('mutation { __typename }'), undefined, {})).toBeUndefined();
    expect(
      introspectionKey(parse('query A { __typename } query B { Patient(id: "a") { id } }'), 'B', {}),
    ).toBeUndefined();
  });
});
