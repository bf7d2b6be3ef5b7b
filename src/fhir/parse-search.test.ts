import { describe, expect, it } from 'vitest';
import { DATE_MAX } from './date-range.ts';
import { loadFhirDefinitions } from './definitions.ts';
import { parseSearch } from './parse-search.ts';
import { SearchError } from './search-error.ts';

const defs = loadFhirDefinitions();
const NOW = Date.parse('2025-01-01T00:00:00Z');
const parse = (type: string, params: Record<string, string | string[]> | URLSearchParams) =>
  parseSearch(defs, type, params, { now: NOW });

function problemsOf(type: string, params: Record<string, string | string[]>) {
  try {
    parse(type, params);
  } catch (error) {
    if (error instanceof SearchError) return error.outcome.issue;
    throw error;
  }
  throw new Error('expected a SearchError');
}

describe('parseSearch: structure', () => {
  it('ANDs repeated parameters and ORs comma-separated values', () => {
    const query = parse('Patient', new URLSearchParams('family=smith,jones&family=al&gender=female'));
    expect(query.clauses.map((clause) => clause.op === 'match' && clause.values.length)).toEqual([2, 1, 1]);
    expect(query.clauses.map((clause) => clause.param)).toEqual(['family', 'family', 'gender']);
  });

  it('accepts arrays for repeated parameters in records', () => {
    expect(parse('Patient', { family: ['a', 'b'] }).clauses).toHaveLength(2);
  });

  it('applies defaults for paging', () => {
    expect(parse('Patient', {})).toEqual({
      resourceType: 'Patient',
      clauses: [],
      sort: [],
      count: 20,
      total: 'none',
      cursor: null,
    });
  });

  it('parses _sort, _count, _total and _cursor', () => {
    const query = parse('Observation', {
      _sort: '-date,code,_lastUpdated',
      _count: '1000',
      _total: 'accurate',
      _cursor: 'opaque==',
    });
    expect(query.sort).toEqual([
      { param: 'date', kind: 'date', descending: true },
      { param: 'code', kind: 'token', descending: false },
      {
        param: '_lastUpdated',
        kind: 'date',
        descending: false,
        source: { from: 'column', column: 'lastUpdated' },
      },
    ]);
    expect([query.count, query.total, query.cursor]).toEqual([1000, 'accurate', 'opaque==']);
    expect(parse('Observation', { _count: '0' }).count).toBe(0);
  });

  it('knows the common and gateway parameters on every type', () => {
    const query = parse('Slot', {
      _id: 'a',
      _lastUpdated: 'gt2024',
      _tag: 's|c',
      _source: 'urn:x',
      _connection: 'jane-main',
      _profile: 'http://p',
    });
    expect(query.clauses.map((clause) => [clause.param, clause.kind])).toEqual([
      ['_id', 'token'],
      ['_lastUpdated', 'date'],
      ['_tag', 'token'],
      ['_source', 'uri'],
      ['_connection', 'token'],
      ['_profile', 'uri'],
    ]);
  });
});

describe('parseSearch: values', () => {
  const valuesOf = (type: string, params: Record<string, string>) => {
    const clause = parse(type, params).clauses[0];
    return clause?.op === 'match' ? clause.values : [];
  };

  it('strings: normalized prefix by default, :contains, :exact keeps the raw text', () => {
    expect(valuesOf('Patient', { name: 'ÁLVAREZ' })).toEqual([
      { kind: 'string', match: 'prefix', value: 'alvarez' },
    ]);
    expect(valuesOf('Patient', { 'name:contains': 'Ár' })).toEqual([
      { kind: 'string', match: 'contains', value: 'ar' },
    ]);
    expect(valuesOf('Patient', { 'name:exact': 'Álvarez' })).toEqual([
      { kind: 'string', match: 'exact', value: 'Álvarez' },
    ]);
  });

  it('strings: escaped commas are part of the value', () => {
    expect(valuesOf('Patient', { 'address:exact': 'Apt 1\\, 12 Elm St' })).toEqual([
      { kind: 'string', match: 'exact', value: 'Apt 1, 12 Elm St' },
    ]);
  });

  it('tokens: code, system|code, |code, system|, :text, :not', () => {
    expect(valuesOf('Observation', { code: 'a,http://loinc.org|b,|c,http://loinc.org|' })).toEqual([
      { kind: 'token', form: 'code', code: 'a' },
      { kind: 'token', form: 'systemAndCode', system: 'http://loinc.org', code: 'b' },
      { kind: 'token', form: 'codeWithoutSystem', code: 'c' },
      { kind: 'token', form: 'system', system: 'http://loinc.org' },
    ]);
    expect(valuesOf('Observation', { 'code:text': 'Blood Préssure' })).toEqual([
      { kind: 'token-text', text: 'blood pressure' },
    ]);
    expect(parse('Patient', { 'gender:not': 'male' }).clauses[0]).toMatchObject({ negate: true });
    expect(valuesOf('Patient', { identifier: 'urn:x|a\\|b' })).toEqual([
      { kind: 'token', form: 'systemAndCode', system: 'urn:x', code: 'a|b' },
    ]);
  });

  it('dates: prefixes and precision ranges', () => {
    expect(valuesOf('Patient', { birthdate: '2020' })).toEqual([
      {
        kind: 'date',
        prefix: 'eq',
        low: Date.parse('2020-01-01T00:00:00Z'),
        high: Date.parse('2021-01-01T00:00:00Z'),
      },
    ]);
    expect(valuesOf('Observation', { date: 'ge2024-03-06T09:10:00-08:00' })).toEqual([
      {
        kind: 'date',
        prefix: 'ge',
        low: Date.parse('2024-03-06T17:10:00Z'),
        high: Date.parse('2024-03-06T17:10:01Z'),
      },
    ]);
  });

  it('dates: ap widens by a tenth of the distance to now', () => {
    const [value] = valuesOf('Patient', { birthdate: 'ap2015-01-01' });
    const low = Date.parse('2015-01-01T00:00:00Z');
    const tenth = (NOW - low) / 10;
    expect(value).toEqual({ kind: 'date', prefix: 'ap', low: low - tenth, high: low + 86_400_000 + tenth });
    expect(valuesOf('Patient', { birthdate: 'ap9999' })[0]).toMatchObject({ high: expect.any(Number) });
    expect((valuesOf('Patient', { birthdate: 'ap9999' })[0] as { high: number }).high).toBeLessThanOrEqual(
      DATE_MAX,
    );
  });

  it('numbers and quantities carry prefix, value and precision range', () => {
    expect(valuesOf('Observation', { 'value-quantity': 'gt5.4|http://unitsofmeasure.org|mg' })).toEqual([
      {
        kind: 'quantity',
        prefix: 'gt',
        value: 5.4,
        low: expect.closeTo(5.35, 9),
        high: expect.closeTo(5.45, 9),
        system: 'http://unitsofmeasure.org',
        code: 'mg',
      },
    ]);
    expect(valuesOf('Observation', { 'value-quantity': '5.4||mg' })[0]).toMatchObject({
      system: null,
      code: 'mg',
    });
    expect(valuesOf('Observation', { 'value-quantity': 'le100' })[0]).toMatchObject({
      prefix: 'le',
      system: null,
      code: null,
    });
    expect(valuesOf('ChargeItem', { 'factor-override': 'ge0.8' })).toEqual([
      {
        kind: 'number',
        prefix: 'ge',
        value: 0.8,
        low: expect.closeTo(0.75, 9),
        high: expect.closeTo(0.85, 9),
      },
    ]);
  });

  it('references: Type/id, bare id, :Type, single-target default, URL', () => {
    expect(valuesOf('Observation', { subject: 'Patient/p1' })).toEqual([
      { kind: 'reference', form: 'typed', type: 'Patient', id: 'p1' },
    ]);
    expect(valuesOf('Observation', { subject: 'p1' })).toEqual([{ kind: 'reference', form: 'id', id: 'p1' }]);
    expect(valuesOf('Observation', { 'subject:Patient': 'p1' })).toEqual([
      { kind: 'reference', form: 'typed', type: 'Patient', id: 'p1' },
    ]);
    expect(valuesOf('Observation', { patient: 'p1' })).toEqual([
      { kind: 'reference', form: 'typed', type: 'Patient', id: 'p1' },
    ]);
    expect(valuesOf('Observation', { subject: 'https://x.test/fhir/Patient/p1' })).toEqual([
      { kind: 'reference', form: 'url', url: 'https://x.test/fhir/Patient/p1' },
    ]);
  });

  it('uris: exact, :below, :above', () => {
    expect(valuesOf('Patient', { '_source:below': 'urn:fhir-gateway:' })).toEqual([
      { kind: 'uri', match: 'below', value: 'urn:fhir-gateway:' },
    ]);
  });

  it(':missing', () => {
    expect(parse('Patient', { 'birthdate:missing': 'true' }).clauses[0]).toEqual({
      op: 'missing',
      param: 'birthdate',
      kind: 'date',
      missing: true,
    });
  });
});

describe('parseSearch: errors', () => {
  it('names an unknown parameter and lists the valid ones', () => {
    const [issue] = problemsOf('Patient', { colour: 'blue' });
    expect(issue?.code).toBe('invalid');
    expect(issue?.expression).toEqual(['colour']);
    expect(issue?.diagnostics).toMatch(/Unknown search parameter colour for Patient/);
    expect(issue?.diagnostics).toMatch(/birthdate, .*family/);
  });

  it.each([
    ['malformed date', 'Patient', { birthdate: '12/07/1984' }, 'birthdate', /malformed date/],
    ['unknown prefix', 'Patient', { birthdate: 'xx2020' }, 'birthdate', /unknown prefix/],
    ['prefix on nothing', 'Patient', { birthdate: 'ge' }, 'birthdate', /malformed date/],
    ['malformed number', 'Observation', { 'value-quantity': 'gtabc' }, 'value-quantity', /malformed number/],
    ['quantity with two parts', 'Observation', { 'value-quantity': '5|mg' }, 'value-quantity', /quantity/],
    ['token with two bars', 'Observation', { code: 'a|b|c' }, 'code', /token/],
    ['empty token', 'Observation', { code: '|' }, 'code', /token/],
    ['empty value', 'Patient', { family: '' }, 'family', /empty value/],
    ['empty OR part', 'Patient', { family: 'a,,b' }, 'family', /empty value/],
    ['bad modifier', 'Patient', { 'birthdate:exact': '2020' }, 'birthdate:exact', /modifier :exact/],
    ['bad missing value', 'Patient', { 'gender:missing': 'yes' }, 'gender:missing', /true or false/],
    ['reference type not a target', 'Observation', { patient: 'Practitioner/x' }, 'patient', /not a target/],
    ['type modifier not a target', 'Observation', { 'subject:Claim': 'x' }, 'subject:Claim', /not a target/],
    ['malformed reference id', 'Observation', { subject: 'Patient/a b' }, 'subject', /malformed reference/],
    ['chained search', 'Observation', { 'subject.name': 'x' }, 'subject.name', /Chained/],
    [
      'composite parameter',
      'Observation',
      { 'code-value-quantity': 'x' },
      'code-value-quantity',
      /composite/,
    ],
    ['_count over the maximum', 'Patient', { _count: '1001' }, '_count', /at most 1000/],
    ['negative _count', 'Patient', { _count: '-1' }, '_count', /whole number/],
    ['_count twice', 'Patient', { _count: ['1', '2'] }, '_count', /only once/],
    ['bad _total', 'Patient', { _total: 'all' }, '_total', /_total/],
    ['_sort on unknown parameter', 'Patient', { _sort: '-colour' }, '_sort', /unknown parameter colour/],
  ] as const)('%s', (_name, type, params, param, message) => {
    const issues = problemsOf(type, params as Record<string, string | string[]>);
    expect(issues).toContainEqual(expect.objectContaining({ severity: 'error', expression: [param] }));
    expect(issues.map((issue) => issue.diagnostics).join(' ')).toMatch(message);
  });

  it('reports every problem at once', () => {
    expect(problemsOf('Patient', { colour: 'x', birthdate: 'bad', _count: '5000' })).toHaveLength(3);
  });

  it('does not echo search values (they may be PHI)', () => {
    const issues = problemsOf('Patient', { birthdate: 'Zebediah', 'family:exactly': 'Zebediah' });
    expect(JSON.stringify(issues)).not.toContain('Zebediah');
  });

  it('rejects unsupported resource types', () => {
    expect(() => parse('ResearchStudy', {})).toThrow(SearchError);
  });
});

describe('parseSearch: limits (SEARCH_LIMITS)', () => {
  const values = (n: number, make = (k: number) => `MRN${k}`) =>
    Array.from({ length: n }, (_, k) => make(k)).join(',');
  const refusal = (type: string, params: Record<string, string | string[]>) => {
    const issues = problemsOf(type, params);
    expect(issues).toHaveLength(1);
    return issues[0];
  };

  it('takes up to 100 OR-ed values in a parameter and refuses 101 or about 1,000', () => {
    expect(parse('Patient', { identifier: values(100) }).clauses).toHaveLength(1);
    expect(refusal('Patient', { identifier: values(101) })).toMatchObject({
      code: 'too-costly',
      diagnostics: 'identifier: at most 100 values (got 101)',
    });
    expect(refusal('Patient', { identifier: values(1000) })?.code).toBe('too-costly');
  });

  it('takes values of up to 256 characters, refuses longer ones without echoing them, whatever the kind', () => {
    const long = 'x'.repeat(257);
    expect(parse('Patient', { family: 'y'.repeat(256) }).clauses).toHaveLength(1);
    for (const [name, value] of [
      ['family', long],
      ['identifier', `urn:sys|${long}`],
      ['_profile', `http://example.org/${long}`],
      ['general-practitioner', `Practitioner/${long}`],
    ] as const) {
      const issue = refusal('Patient', { [name]: value });
      expect(issue?.code).toBe('too-costly');
      expect(issue?.diagnostics).toContain('longer than 256 characters');
      expect(issue?.diagnostics).not.toContain('xxxxxxxx');
    }
  });

  it('refuses a 16,000-character _profile:above and caps :above by its prefixes over the search', () => {
    expect(refusal('Patient', { '_profile:above': `http://example.org/${'a'.repeat(16_000)}` })?.code).toBe(
      'too-costly',
    );
    const url = (k: number) => `http://example.org/${String(k).padStart(236, 'p')}`; // 255 characters
    expect(parse('Patient', { '_profile:above': values(8, url) }).clauses).toHaveLength(1);
    expect(refusal('Patient', { '_profile:above': values(9, url) })).toMatchObject({
      code: 'too-costly',
      diagnostics: '_profile:above: :above values may total at most 2047 characters over a search',
    });
  });

  it('takes up to 50 filter parameters and 500 values in a search', () => {
    const fifty = { identifier: Array.from({ length: 50 }, (_, k) => values(10, (n) => `M${k}-${n}`)) };
    expect(parse('Patient', { ...fifty, _sort: 'family', _count: '5' }).clauses).toHaveLength(50);
    expect(refusal('Patient', { gender: Array.from({ length: 51 }, () => 'male') })).toMatchObject({
      code: 'too-costly',
      diagnostics: 'a search takes at most 50 filter parameters (got 51)',
    });
    const over = { identifier: [...fifty.identifier.slice(0, 49), values(11)] };
    expect(refusal('Patient', over)?.diagnostics).toBe(
      'identifier: a search takes at most 500 values over all parameters',
    );
  });

  it('refuses a string or :text value that is empty once normalized, instead of matching everything', () => {
    for (const [name, value] of [
      ['family', '   '],
      ['family', '\u0301\u0308'],
      ['name:contains', ' \u0301 '],
      ['identifier:text', '\t'],
    ] as const) {
      expect(refusal('Patient', { [name]: value })).toMatchObject({
        code: 'value',
        diagnostics: `${name}: empty value once spaces and accents are removed`,
      });
    }
    // :exact compares the text as given: spaces are a value there.
    expect(parse('Patient', { 'family:exact': ' ' }).clauses).toHaveLength(1);
  });

  it('refuses more than 8 _sort keys, and an overlong parameter name without echoing it', () => {
    expect(refusal('Patient', { _sort: Array.from({ length: 9 }, () => 'family').join(',') })?.code).toBe(
      'too-costly',
    );
    const name = `z${'q'.repeat(200)}`;
    const issue = refusal('Patient', { [name]: 'x' });
    expect(issue?.diagnostics).toBe('a parameter name is longer than 128 characters');
  });
});
