import { describe, expect, it } from 'vitest';
import { loadOpenApi, responseSchema, validate } from './jane-openapi-checker.ts';

// The conformance suite is only as good as this checker: it must reject what the spec rejects.
describe('OpenAPI subset checker', () => {
  const doc = loadOpenApi();
  const patientList = responseSchema(doc, '/api/2026-01-01/patients', 'get', 200);
  const medication = responseSchema(
    doc,
    '/api/2026-01-01/medical-record/medications/{medication_id}',
    'get',
    200,
  );
  const validMedication = {
    id: '018d64bb-e337-7043-aecc-94dc7194ca39',
    patient_id: '018d24b2-8c45-72e5-94e5-ebf574264500',
    practitioner_id: '018a6697-ed60-7573-b8d8-d8016b0da542',
    medication_code: { coding: null, text: 'Vitamin D3' },
    status: 'active',
    source: 'patient_reported',
    created_at: '2024-02-01T01:57:11.792Z',
  };

  it('accepts a conforming list and record', () => {
    expect(
      validate(doc, patientList, {
        items: [{ id: '018d24b2-8c45-72e5-94e5-ebf574264500', sex: 'x' }],
        cursor: null,
        limit: 1,
        links: { after: null },
        hasNextPage: false,
      }),
    ).toEqual([]);
    expect(validate(doc, medication, validMedication)).toEqual([]);
  });

  it('reports wrong types, enums, formats, nulls, missing required and extra properties', () => {
    const errors = validate(doc, patientList, {
      items: [{ id: 'not-a-uuid', sex: 'unknown', date_of_birth: 19850412 }],
      cursor: 5,
    });
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringContaining('$.items[0].id: not a valid uuid'),
        expect.stringContaining('$.items[0].sex'),
        expect.stringContaining('$.items[0].date_of_birth: expected string'),
        expect.stringContaining('$.cursor: expected string|null'),
      ]),
    );
    const { created_at: _omitted, ...noCreatedAt } = validMedication;
    expect(validate(doc, medication, { ...noCreatedAt, updated_at: '2024-02-01T01:57:11Z' })).toEqual(
      expect.arrayContaining([
        expect.stringContaining('missing required created_at'),
        expect.stringContaining('unexpected property updated_at'),
      ]),
    );
    expect(validate(doc, medication, { ...validMedication, quantity: 0 })).toEqual([
      expect.stringContaining('below 1'),
    ]);
  });

  it('fails loudly on an operation the spec does not have', () => {
    expect(() => responseSchema(doc, '/api/2026-01-01/conversations', 'get', 200)).toThrow(/no JSON schema/);
  });
});
