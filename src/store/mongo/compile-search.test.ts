import { describe, expect, it } from 'vitest';
import { loadFhirDefinitions } from '../../fhir/definitions.ts';
import { parseSearch } from '../../fhir/parse-search.ts';
import { compileClause, keysetFilter, sortSpec } from './compile-search.ts';
import { orderableNumber, searchKey } from './search-keys.ts';

const defs = loadFhirDefinitions({ resourceTypes: ['Patient', 'Observation'] });
const clause = (type: string, text: string) => {
  const query = parseSearch(defs, type, new URLSearchParams(text));
  const [first] = query.clauses;
  if (!first) throw new Error('no clause');
  return compileClause(first);
};

/**
 * The query documents use only the indexed `ik` array (index {tenant, type, ik}) in forms MongoDB
 * turns into index bounds: equality, $in, anchored regex, $elemMatch ranges. FerretDB cannot show
 * index use (no pushdown), so the shapes are asserted here.
 */
describe('mongo search query documents', () => {
  it('name prefix: an anchored regex on the keys', () => {
    expect(clause('Patient', 'name=Smi')).toEqual({
      filter: { ik: { $regex: '^name\\|sv\\|smi' } },
      exact: true,
    });
  });
  it('identifier token: one key equality', () => {
    expect(clause('Patient', 'identifier=urn:mrn|M1')).toEqual({
      filter: { ik: searchKey.tokenSystemCode('identifier', 'urn:mrn', 'M1') },
      exact: true,
    });
  });
  it('date range: a key range on one element, re-checked exactly', () => {
    const { filter, exact } = clause('Patient', 'birthdate=1980');
    expect(exact).toBe(false);
    expect(filter).toEqual({
      ik: {
        $elemMatch: {
          $gte: searchKey.dateLow('birthdate', Date.UTC(1980, 0, 1)),
          $lt: searchKey.dateLow('birthdate', Date.UTC(1981, 0, 1)),
        },
      },
    });
  });
  it('reference, :missing and :not', () => {
    expect(clause('Observation', 'subject=Patient/p1').filter).toEqual({ ik: 'subject|rt|Patient/p1' });
    expect(clause('Patient', 'gender:missing=true').filter).toEqual({
      $nor: [{ ik: { $regex: '^gender\\|' } }],
    });
    expect(clause('Patient', 'gender:not=male').filter).toEqual({ $nor: [{ ik: 'gender|tc|male' }] });
  });
  it('sorts on the stored sort values, then id, and continues after a position', () => {
    const { sort } = parseSearch(defs, 'Patient', new URLSearchParams('_sort=-birthdate,family'));
    expect(sortSpec(sort)).toEqual({ 'sk.-birthdate': -1, 'sk.family': 1, id: 1 });
    expect(keysetFilter(sort, { values: [5, null], id: 'p1' })).toEqual({
      $or: [
        { $or: [{ 'sk.-birthdate': { $lt: 5 } }, { 'sk.-birthdate': null }] },
        { $and: [{ 'sk.-birthdate': 5 }, { 'sk.family': { $ne: null } }] },
        { $and: [{ 'sk.-birthdate': 5 }, { 'sk.family': null }, { id: { $gt: 'p1' } }] },
      ],
    });
  });
});

describe('orderableNumber', () => {
  it('orders as strings the way the numbers order', () => {
    const numbers = [-1e300, -8.64e15, -2.5, -1, -1e-300, 0, 1e-300, 0.1, 1, 2.5, 99.95, 100, 8.64e15, 1e300];
    const encoded = numbers.map(orderableNumber);
    expect([...encoded].sort()).toEqual(encoded);
    expect(orderableNumber(-0)).toBe(orderableNumber(0));
  });
});
