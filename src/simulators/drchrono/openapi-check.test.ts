import { describe, expect, it } from 'vitest';
import { checkAgainstSchema, type OpenApiSchema } from './openapi-check.ts';

const components: Record<string, OpenApiSchema> = {
  Thing: {
    type: 'object',
    required: ['id'],
    properties: {
      id: { type: 'integer' },
      kind: { type: 'string', enum: ['a', 'b'] },
      tags: { type: 'array', items: { type: 'string' } },
      owner: { $ref: '#/components/schemas/Owner' },
      note: { type: 'string', nullable: true },
    },
  },
  Owner: { type: 'object', properties: { name: { type: 'string' } } },
};
const thing: OpenApiSchema = { $ref: '#/components/schemas/Thing' };

describe('checkAgainstSchema', () => {
  it('accepts a conforming value', () => {
    expect(
      checkAgainstSchema({ id: 1, kind: 'a', tags: ['x'], owner: { name: 'n' }, note: null }, thing, {
        components,
      }),
    ).toEqual([]);
  });
  it('reports types, enums, required, arrays and refs', () => {
    const errors = checkAgainstSchema({ kind: 'z', tags: [1], owner: { name: 2 } }, thing, { components });
    expect(errors).toEqual([
      '$.id: required property missing',
      '$.kind: "z" not in enum',
      '$.tags[0]: expected string, got number',
      '$.owner.name: expected string, got number',
    ]);
  });
  it('rejects null unless nullable or nullAsAbsent for optional properties', () => {
    expect(checkAgainstSchema({ id: 1, kind: null }, thing, { components })).toEqual([
      '$.kind: null where string is required',
    ]);
    expect(checkAgainstSchema({ id: 1, kind: null }, thing, { components, nullAsAbsent: true })).toEqual([]);
    expect(checkAgainstSchema({ id: null }, thing, { components, nullAsAbsent: true })).toHaveLength(1);
  });
  it('skips allowed deviations by Schema.field', () => {
    expect(
      checkAgainstSchema({ id: 1, tags: 'x' }, thing, { components, allowedDeviations: ['Thing.tags'] }),
    ).toEqual([]);
  });
  it('applies an enum on an array type to its items', () => {
    const schema: OpenApiSchema = { type: 'array', enum: ['x', 'y'] };
    expect(checkAgainstSchema(['x'], schema, { components })).toEqual([]);
    expect(checkAgainstSchema(['z'], schema, { components })).toEqual(['$: "z" not in enum']);
  });
  it('fails loudly on an unresolved $ref', () => {
    expect(() => checkAgainstSchema({}, { $ref: '#/components/schemas/Nope' }, { components })).toThrow(
      /unresolved/,
    );
  });
});
