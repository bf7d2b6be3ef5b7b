import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { generateEpicDataset } from '../simulators/epic/dataset.ts';
import { createLogger } from './create-logger.ts';

const MAPPINGS = new URL('../../mappings/', import.meta.url).pathname;

/** Every fixture record of a source: native inputs and the FHIR resources they map to. */
function fixtures(source: 'jane' | 'drchrono' | 'epic'): { name: string; payload: unknown }[] {
  const dir = join(MAPPINGS, source, 'fixtures');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => {
      const data = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { record?: unknown };
      return { name: `${source}/${f}`, payload: f.endsWith('.input.json') ? (data.record ?? data) : data };
    });
}

/** Keys whose text is a person's data in Jane, DrChrono and FHIR records. */
const PHI_KEY =
  /name|given|family|birth|dob|phone|mobile|fax|email|ssn|social|chart|patient_number|address|street|^line$|city|zip|postal/i;
/** Inside these, `value` is the person's data (a phone, an MRN, an SSN). */
const PHI_PARENT = /telecom|identifier|contact/i;

/**
 * The person's data a payload holds: names, birth dates, phones, emails, identifiers and
 * addresses, at any depth. Ids are left out (logs may carry them), as are strings too short
 * to tell apart from codes.
 */
function phiValues(payload: unknown): Set<string> {
  const found = new Set<string>();
  const ids = new Set<string>();
  const walk = (value: unknown, key: string, parent: string) => {
    if (Array.isArray(value)) for (const item of value) walk(item, key, parent);
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k === 'id' && (typeof v === 'string' || typeof v === 'number')) ids.add(String(v));
        walk(v, k, key);
      }
    } else if ((typeof value === 'string' || typeof value === 'number') && String(value).length >= 4) {
      const isPhi = PHI_KEY.test(key) || (key === 'value' && PHI_PARENT.test(parent));
      if (isPhi && !/^https?:|^urn:/.test(String(value))) found.add(String(value));
    }
  };
  walk(payload, '', '');
  for (const id of ids) found.delete(id);
  return found;
}

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: createLogger({ level: 'trace', destination }), out: () => lines.join('') };
}

/** Logs a payload every way code tends to: as the object, nested, in pages, bundles, errors, messages. */
function logEveryWay(log: ReturnType<typeof createLogger>, payload: unknown, phi: string[]) {
  const [first = 'Nobody', second = '1900-01-01'] = phi;
  const resource =
    payload && typeof payload === 'object' && 'resourceType' in payload
      ? payload
      : { resourceType: 'Patient', id: 'x' };
  log.info(payload as object, 'the record itself as the log object');
  log.info({ tenant: 'clinic-1', record: payload }, 'nested once');
  log.warn({ page: { records: [payload, payload], next: 'cursor' } }, 'an array of records');
  log.debug({ bundle: { resourceType: 'Bundle', entry: [{ resource }, { resource: payload }] } }, 'a bundle');
  log.info({ a: { b: { c: { d: { e: { f: { g: { h: payload } } } } } } } }, 'deep');
  log.info({ values: phi, identifiers: phi.map((value) => ({ system: 'urn:x', value })) }, 'values in lists');
  log.error(new Error(`cannot map patient ${first} born ${second}`));
  const withCause = Object.assign(new Error(`outer ${first}`, { cause: new Error(`inner ${second}`) }), {
    code: 'E_MAP',
    record: payload,
  });
  log.error({ err: withCause, tenant: 'clinic-1' }, 'mapping failed');
  log.error({ error: new TypeError(`field ${first}`) }, 'under another key');
  log.info('patient %s born %s', first, second);
  log.info({ count: 2 }, 'with %o', payload as object);
  log.child({ patient: payload, name: first }).info({ type: 'Patient' }, 'child bindings');
  log.info(
    { url: `http://127.0.0.1/Patient?name=${encodeURIComponent(first)}&birthdate=${second}` },
    'a search url',
  );
}

describe('logger', () => {
  const sources = ['jane', 'drchrono', 'epic'] as const;

  for (const source of sources) {
    it(`writes no name, birth date, phone, email or identifier of ${source} records, however they are logged`, () => {
      const payloads = fixtures(source);
      expect(payloads.length).toBeGreaterThan(3);
      let checked = 0;
      for (const { name, payload } of payloads) {
        const phi = [...phiValues(payload)];
        const { log, out } = capture();
        logEveryWay(log, payload, phi);
        const text = out();
        for (const value of phi) {
          expect(text.includes(value), `${name}: "${value}" reached the log`).toBe(false);
          checked++;
        }
      }
      // The fixtures do hold personal data, so the checks above had something to catch.
      expect(checked).toBeGreaterThan(20);
    });
  }

  it('writes a generated Epic patient’s whole record set (patient, encounters, observations, notes) as a bundle safely', () => {
    const records = generateEpicDataset(7, 1).patientRecords(0);
    const phi = [...phiValues(records)];
    expect(phi.length).toBeGreaterThan(3);
    const { log, out } = capture();
    const bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: records.map((resource) => ({ resource })),
    };
    log.info({ bundle, resources: records, response: { body: bundle } }, 'page fetched');
    logEveryWay(log, bundle, phi);
    const text = out();
    for (const value of phi) expect(text, `"${value}" reached the log`).not.toContain(value);
    // What an operator needs is still there: types, ids, counts.
    const line = JSON.parse(text.split('\n')[0] ?? '{}');
    expect(line.bundle).toEqual({ resourceType: 'Bundle', entries: records.length });
    expect(line.resources[0]).toEqual({ resourceType: records[0]?.resourceType, id: records[0]?.id });
  });

  it('keeps ids, types, counts, codes and error types, so logs stay useful', () => {
    const { log, out } = capture();
    log.info(
      {
        tenant: 'clinic-1',
        connection: 'jane-main',
        type: 'Patient',
        ids: ['p1', 'p2'],
        count: 2,
        durationMs: 12,
        url: 'http://127.0.0.1:4000/api/patients?since=2020',
        native: { id: 42, first_name: 'Leakfirst', dob: '1970-01-01', phone: 5550100 },
        token: { access_token: 'sekret-token' },
      },
      'page written',
    );
    const err = Object.assign(new RangeError('value "Leakname" out of range'), {
      code: 'E_RANGE',
      status: 422,
    });
    log.error(err);
    const [first, second] = out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(first).toMatchObject({
      service: 'fhir-gateway',
      msg: 'page written',
      tenant: 'clinic-1',
      connection: 'jane-main',
      type: 'Patient',
      ids: ['p1', 'p2'],
      count: 2,
      durationMs: 12,
      url: 'http://127.0.0.1:4000/api/patients?[redacted]',
      native: { id: 42, first_name: '[redacted]', dob: '[redacted]', phone: '[redacted]' },
      token: { access_token: '[redacted]' },
    });
    expect(second).toMatchObject({
      msg: 'error',
      err: { type: 'RangeError', code: 'E_RANGE', status: 422, message: '[redacted]' },
    });
    expect(second.err.stack).toMatch(/^\s+at /);
    expect(JSON.stringify([first, second])).not.toMatch(/Leak|sekret|1970-01-01|5550100/);
  });
});
