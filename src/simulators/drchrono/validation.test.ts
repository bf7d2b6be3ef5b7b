import { describe, expect, it } from 'vitest';
import { loadCatalog } from './catalog.ts';
import { validateWrite } from './validation.ts';

const catalog = loadCatalog();
const schema = (resource: string) => {
  const e = catalog.endpoint(resource);
  return e ? catalog.schemaOf(e) : undefined;
};

describe('validateWrite', () => {
  it('requires the create fields, not on PATCH', () => {
    expect(validateWrite(schema('lab_orders'), {}, 'create')).toEqual({
      ok: false,
      errors: {
        sublab: ['This field is required.'],
        doctor: ['This field is required.'],
        patient: ['This field is required.'],
      },
    });
    expect(validateWrite(schema('lab_orders'), { notes: 'x' }, 'patch')).toEqual({
      ok: true,
      values: { notes: 'x' },
    });
  });

  it('checks types and enums and ignores read-only fields', () => {
    const r = validateWrite(
      schema('patients'),
      { gender: 'Robot', doctor: 1.5, id: 'ignored', updated_at: 'x' },
      'create',
    );
    expect(r).toEqual({
      ok: false,
      errors: { gender: ['"Robot" is not a valid choice.'], doctor: ['A valid integer is required.'] },
    });
    const ok = validateWrite(schema('patients'), { gender: 'Female', doctor: '7', id: 3 }, 'create');
    expect(ok).toEqual({ ok: true, values: { gender: 'Female', doctor: '7' } });
  });

  it('rejects a body that is not an object', () => {
    expect(validateWrite(schema('tasks'), 'text', 'create')).toMatchObject({
      ok: false,
      errors: { non_field_errors: [expect.any(String)] },
    });
  });
});
