import { DAY_MS, formatDate } from '../time-format.ts';
import { doctorOfPatient, stamps, ts } from './relations.ts';
import type { BuildContext, Builder } from './types.ts';

/** A lab order's patient, doctor and order time, shared by its tests, results and documents. */
const orderFacts = (ctx: BuildContext, order: number) => {
  const p = ctx.parentIndex('lab_orders', order, 'patients');
  const rng = ctx.rngFor('lab_orders', order);
  const { created, updated } = stamps(ctx, rng, 540);
  return {
    p,
    patient: ctx.idOf('patients', p),
    doctor: ctx.idOf('doctors', doctorOfPatient(ctx, p)),
    created,
    updated,
    resulted: rng.chance(0.8),
  };
};

/** The lab test definition (LOINC) a lab test row uses. */
const testOf = (ctx: BuildContext, t: number) =>
  ctx.vocab.labTests[ctx.hashIndex('lab_tests', t, ctx.vocab.labTests.length)] ?? ctx.vocab.labTests[0];

export const labBuilders: Record<string, Builder> = {
  lab_orders(ctx, i) {
    const o = orderFacts(ctx, i);
    return {
      record: {
        id: ctx.idOf('lab_orders', i),
        patient: o.patient,
        doctor: o.doctor,
        sublab: ctx.idOf('sublabs', i % ctx.count('sublabs')),
        status: o.resulted ? 'R' : 'S',
        priority: i % 17 === 0 ? 'S' : 'N',
        requisition_id: `REQ${String(ctx.idOf('lab_orders', i)).slice(-7)}`,
        external_requisition_id: '',
        accession_number: o.resulted ? `ACC${i + 1000}` : '',
        icd10_codes: [{ code: ctx.vocab.icd10[i % ctx.vocab.icd10.length]?.code ?? 'Z00.00' }],
        documents: [String(ctx.idOf('lab_documents', i))],
        notes: '',
        timestamp: ts(o.updated),
      },
      updatedAt: o.updated,
    };
  },
  lab_tests(ctx, i, rng) {
    const order = ctx.parentIndex('lab_tests', i, 'lab_orders');
    const o = orderFacts(ctx, order);
    const test = testOf(ctx, i);
    return {
      record: {
        id: ctx.idOf('lab_tests', i),
        lab_order: ctx.idOf('lab_orders', order),
        code: test?.code,
        name: test?.name,
        description: test?.name,
        status: o.resulted ? 'F' : 'P',
        collection_date: formatDate(o.created + DAY_MS),
        specimen_source: 'Blood',
        specimen_condition: 'Satisfactory',
        specimen_total_volume: rng.int(2, 10),
        report_notes: '',
        internal_notes: '',
      },
      updatedAt: o.updated,
    };
  },
  lab_results(ctx, i, rng) {
    const order = ctx.parentIndex('lab_tests', i, 'lab_orders');
    const o = orderFacts(ctx, order);
    const test = testOf(ctx, i) ?? { code: '', name: '', unit: '', low: 0, high: 1, spread: 1 };
    const value = Math.max(0, test.low + (rng.next() - 0.2) * (test.high - test.low + test.spread));
    const abnormal = value < test.low ? 'L' : value > test.high ? 'H' : 'N';
    return {
      record: {
        id: ctx.idOf('lab_results', i),
        lab_test: ctx.idOf('lab_tests', i),
        lab_order: String(ctx.idOf('lab_orders', order)),
        document: ctx.idOf('lab_documents', order),
        status: o.resulted ? 'F' : 'P',
        test_performed: test.name,
        observation_code: test.code,
        observation_description: test.name,
        group_code: '',
        value: value.toFixed(test.high < 20 ? 1 : 0),
        value_is_numeric: true,
        unit: test.unit,
        normal_range: `${test.low}-${test.high}`,
        abnormal_status: abnormal,
        is_abnormal: abnormal === 'N' ? '' : 'Y',
        specimen_received: ts(o.created + DAY_MS),
        comments: '',
      },
      updatedAt: o.updated,
    };
  },
  lab_documents(ctx, i) {
    const o = orderFacts(ctx, i);
    return {
      record: {
        id: ctx.idOf('lab_documents', i),
        lab_order: ctx.idOf('lab_orders', i),
        type: o.resulted ? 'RES' : 'REQ',
        document: `https://files.example.com/lab_documents/${ctx.idOf('lab_documents', i)}.pdf`,
        hl7: '',
        timestamp: ts(o.updated),
      },
      updatedAt: o.updated,
    };
  },
  patient_lab_results(ctx, i, rng) {
    const p = ctx.parentIndex('patient_lab_results', i, 'patients');
    const test = rng.pick(ctx.vocab.labTests);
    const value = test.low + rng.next() * (test.high - test.low);
    const { created, updated } = stamps(ctx, rng, 730);
    return {
      record: {
        id: ctx.idOf('patient_lab_results', i),
        patient: ctx.idOf('patients', p),
        ordering_doctor: ctx.idOf('doctors', doctorOfPatient(ctx, p)),
        title: test.name,
        loinc_code: test.code,
        lab_result_value: value.toFixed(1),
        lab_result_value_as_float: Number(value.toFixed(1)),
        lab_result_value_units: test.unit,
        lab_normal_range: `${test.low}-${test.high}`,
        lab_normal_range_units: test.unit,
        lab_abnormal_flag: 'N',
        lab_order_status: 'Results Received',
        date_test_performed: formatDate(created),
        doctor_signoff: rng.chance(0.7),
        doctor_comments: '',
        scanned_in_result: '',
        lab_imported_from_ccr: '',
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  sublabs(ctx, i, rng) {
    const lab = ctx.vocab.sublabs[i % ctx.vocab.sublabs.length];
    return {
      record: {
        id: ctx.idOf('sublabs', i),
        name: lab?.name,
        facility_code: lab?.facility_code,
        vendor_name: lab?.name.split(' - ')[0],
      },
      updatedAt: stamps(ctx, rng, 1500).updated,
    };
  },
};
