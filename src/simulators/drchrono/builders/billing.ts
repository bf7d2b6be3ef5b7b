import { DAY_MS, formatDate } from '../time-format.ts';
import {
  appointmentId,
  doctorOfAppointment,
  officeOfDoctor,
  patientOfAppointment,
  stamps,
  stampsAt,
  ts,
  visitIndex,
} from './relations.ts';
import type { BuildContext, Builder } from './types.ts';

/** Billing hangs off appointments: line items → transactions, payments → payment log. */
const visit = (ctx: BuildContext, parent: number) => {
  const a = visitIndex(ctx, parent);
  return {
    appointment: Number(appointmentId(ctx, a)),
    patient: ctx.idOf('patients', patientOfAppointment(ctx, a)),
    doctor: ctx.idOf('doctors', doctorOfAppointment(ctx, a)),
    at: ctx.appointmentTime(a),
  };
};

const cptOf = (ctx: BuildContext, li: number) =>
  ctx.vocab.cpt[ctx.hashIndex('line_items', li, ctx.vocab.cpt.length)] ?? {
    code: '99213',
    description: '',
    price: '110.00',
  };

export const billingBuilders: Record<string, Builder> = {
  line_items(ctx, i, rng) {
    const a = ctx.parentIndex('line_items', i, 'appointments');
    const v = visit(ctx, a);
    const cpt = cptOf(ctx, i);
    const price = Number(cpt.price);
    const insPaid = Math.round(price * 0.7 * 100) / 100;
    const ptPaid = Math.round(price * 0.1 * 100) / 100;
    const { created, updated } = stampsAt(ctx, rng, v.at + DAY_MS);
    return {
      record: {
        id: ctx.idOf('line_items', i),
        appointment: v.appointment,
        patient: v.patient,
        doctor: v.doctor,
        code: cpt.code,
        procedure_type: cpt.type === 'HCPCS' ? 'H' : 'C',
        description: cpt.description,
        quantity: 1,
        units: 'UN',
        price,
        billed: price,
        allowed: Math.round(price * 0.8 * 100) / 100,
        adjustment: Math.round(price * 0.2 * 100) / 100,
        ins1_paid: insPaid,
        ins2_paid: 0,
        ins3_paid: 0,
        pt_paid: ptPaid,
        ins_total: insPaid.toFixed(2),
        paid_total: (insPaid + ptPaid).toFixed(2),
        balance_ins: 0,
        balance_pt: 0,
        balance_total: '0.00',
        expected_reimbursement: insPaid,
        diagnosis_pointers: ['A'],
        modifiers: [],
        billing_status: rng.pick(['Paid in Full', 'In Process Payer', 'ERA Received', '']),
        insurance_status: '',
        denied_flag: false,
        service_date: formatDate(v.at),
        posted_date: formatDate(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  transactions(ctx, i, rng) {
    const a = ctx.parentIndex('line_items', i, 'appointments');
    const v = visit(ctx, a);
    const cpt = cptOf(ctx, i);
    const payer = rng.pick(ctx.vocab.payers);
    const { created, updated } = stampsAt(ctx, rng, v.at + 14 * DAY_MS);
    return {
      record: {
        id: ctx.idOf('transactions', i),
        line_item: ctx.idOf('line_items', i),
        appointment: v.appointment,
        patient: v.patient,
        doctor: v.doctor,
        ins_name: 1,
        insurance: { payer_id: payer.payer_id, payer_name: payer.name },
        ins_paid: Math.round(Number(cpt.price) * 0.7 * 100) / 100,
        adjustment: Math.round(Number(cpt.price) * 0.2 * 100) / 100,
        adjustment_reason: rng.pick(ctx.vocab.adjustmentReasons),
        adjustment_group_code: 'CO',
        claim_status: '1',
        trace_number: `EFT${rng.int(10_000_000, 99_999_999)}`,
        check_date: formatDate(created),
        posted_date: formatDate(created),
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  patient_payments(ctx, i, rng) {
    const a = ctx.parentIndex('patient_payments', i, 'appointments');
    const v = visit(ctx, a);
    const { created, updated } = stampsAt(ctx, rng, v.at);
    return {
      record: {
        id: ctx.idOf('patient_payments', i),
        patient: v.patient,
        doctor: v.doctor,
        appointment: v.appointment,
        line_item: null,
        amount: rng.pick([20, 25, 40, 15.5, 110]),
        payment_method: rng.pick(['CASH', 'CHCK', 'CRDT', 'VISA', 'MSTR', 'DBIT']),
        payment_transaction_type: rng.pick(['', 'COPAY', 'COPAY', 'COINSR']),
        received_date: formatDate(created),
        posted_date: formatDate(created),
        trace_number: '',
        notes: '',
        created_by: String(ctx.idOf('users', ctx.count('doctors'))),
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  patient_payment_log(ctx, i, rng) {
    const a = ctx.parentIndex('patient_payments', i, 'appointments');
    const v = visit(ctx, a);
    const { updated } = stampsAt(ctx, rng, v.at);
    return {
      record: {
        id: ctx.idOf('patient_payment_log', i),
        patient: String(v.patient),
        doctor: String(v.doctor),
        appointment: String(v.appointment),
        amount: 25,
        payment_method: 'CRDT',
        action: 'C',
        source: 'Payment',
        created_by: String(ctx.idOf('users', ctx.count('doctors'))),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  procedures(ctx, i, rng) {
    const a = ctx.parentIndex('procedures', i, 'appointments');
    const v = visit(ctx, a);
    const cpt = rng.pick(ctx.vocab.cpt);
    const { created, updated } = stampsAt(ctx, rng, v.at);
    return {
      record: {
        id: ctx.idOf('procedures', i),
        appointment: v.appointment,
        patient: v.patient,
        doctor: v.doctor,
        code: cpt.code,
        description: cpt.description,
        procedure_type: 'C',
        status: 'completed',
        date: formatDate(v.at),
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  eobs(ctx, i, rng) {
    const a = ctx.parentIndex('eobs', i, 'appointments');
    const v = visit(ctx, a);
    const payer = rng.pick(ctx.vocab.payers);
    const { created, updated } = stampsAt(ctx, rng, v.at + 21 * DAY_MS);
    return {
      record: {
        id: ctx.idOf('eobs', i),
        doctor: v.doctor,
        insurance_payer_id: payer.payer_id,
        insurance_payer_name: payer.name,
        insurance_payer_trace_number: `TRN${rng.int(1_000_000, 9_999_999)}`,
        payment_method: 'ACH',
        total_paid: rng.int(50, 900),
        check_date: formatDate(created),
        deposit_date: formatDate(created + DAY_MS),
        posted_date: formatDate(created),
        scanned_eob: '',
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  claim_billing_notes(ctx, i, rng) {
    const a = ctx.parentIndex('claim_billing_notes', i, 'appointments');
    const v = visit(ctx, a);
    const { created, updated } = stampsAt(ctx, rng, v.at + 2 * DAY_MS);
    return {
      record: {
        id: ctx.idOf('claim_billing_notes', i),
        appointment: v.appointment,
        text: rng.pick([
          'Resubmitted with corrected modifier.',
          'Awaiting EOB.',
          'Patient notified of balance.',
        ]),
        created_by: String(v.doctor),
        created_at: ts(created),
      },
      updatedAt: updated,
    };
  },
  eligibility_checks(ctx, i, rng) {
    const a = ctx.parentIndex('eligibility_checks', i, 'appointments');
    const v = visit(ctx, a);
    const payer = rng.pick(ctx.vocab.payers);
    const { created, updated } = stampsAt(ctx, rng, v.at - DAY_MS);
    return {
      record: {
        id: ctx.idOf('eligibility_checks', i),
        appointment: String(v.appointment),
        patient: String(v.patient),
        payer_name: payer.name,
        eligibility: rng.chance(0.9) ? 'Active' : 'Inactive',
        request_service_type: '30',
        service_type_description: 'Health Benefit Plan Coverage',
        cob_level: 'primary',
        coverage_subscriber: '',
        coverage_details: '',
        query_date: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  fee_schedules(ctx, i, rng) {
    const d = Math.floor(i / 15);
    const cpt = ctx.vocab.cpt[i % ctx.vocab.cpt.length] ?? {
      code: '99213',
      description: '',
      price: '110.00',
    };
    const base = Number(cpt.price);
    const { created, updated } = stamps(ctx, rng, 1095);
    return {
      record: {
        id: ctx.idOf('fee_schedules', i),
        doctor: ctx.idOf('doctors', d),
        office: ctx.idOf('offices', officeOfDoctor(ctx, d)),
        code: cpt.code,
        code_type: cpt.type ?? 'CPT',
        description: cpt.description,
        billing_description: cpt.description,
        base_price: base,
        cash_price: Math.round(base * 0.85 * 100) / 100,
        insured_price: base,
        insured_out_of_network_price: Math.round(base * 1.2 * 100) / 100,
        allowed_amount: Math.round(base * 0.8 * 100) / 100,
        plan_name: '',
        payer_id: '',
        picklist_category: 'Office visits',
        ndc_code: '',
        ndc_quantity: 0,
        ndc_units: 'UN',
        cpt_hcpcs_modifier1: '',
        cpt_hcpcs_modifier2: '',
        cpt_hcpcs_modifier3: '',
        cpt_hcpcs_modifier4: '',
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  fee_schedules_v2(ctx, i, rng) {
    const payer = ctx.vocab.payers[i % ctx.vocab.payers.length] ?? { name: 'Aetna', payer_id: '60054' };
    const { created, updated } = stamps(ctx, rng, 1095);
    return {
      record: {
        id: ctx.idOf('fee_schedules_v2', i),
        plan_name: `${payer.name} standard`,
        payer_id: payer.payer_id,
        assignee_type: 'Individual',
        assignees: [ctx.idOf('doctors', 0)],
        specialities: [],
        items: [],
        effective_date: formatDate(ctx.anchor - 365 * DAY_MS),
        ineffective_date: formatDate(ctx.anchor + 365 * DAY_MS),
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  billing_profiles(ctx, i, rng) {
    const { created, updated } = stamps(ctx, rng, 1095);
    return {
      record: {
        id: ctx.idOf('billing_profiles', i),
        doctor: String(ctx.idOf('doctors', i)),
        name: 'Established visit',
        cpt_codes: [
          {
            code: '99213',
            price: '110.00',
            quantity: '1',
            modifiers: [],
            diagnosis_pointers_icd10: ['Z00.00'],
            diagnosis_pointers_icd9: [],
            ndc_code: [],
          },
          {
            code: '36415',
            price: '12.00',
            quantity: '1',
            modifiers: [],
            diagnosis_pointers_icd10: [],
            diagnosis_pointers_icd9: [],
            ndc_code: [],
          },
        ],
        hcpcs_codes: [],
        icd9_codes: [],
        icd10_codes: ['Z00.00'],
        custom_procedure_codes: [],
        archived: false,
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  insurances(ctx, i, rng) {
    const payer = ctx.vocab.payers[i % ctx.vocab.payers.length] ?? { name: 'Aetna', payer_id: '60054' };
    return {
      record: {
        id: ctx.idOf('insurances', i),
        payer_id: payer.payer_id,
        payer_name: payer.name,
        state: 'IL',
      },
      updatedAt: stamps(ctx, rng, 1500).updated,
    };
  },
  custom_insurance_plan_names(ctx, i, rng) {
    const { created, updated } = stamps(ctx, rng, 1095);
    return {
      record: {
        id: ctx.idOf('custom_insurance_plan_names', i),
        insurance_plan_name: ['Gold PPO', 'Silver HMO', 'Bronze EPO', 'Medicare Advantage'][i % 4],
        doctor: String(ctx.idOf('doctors', 0)),
        user: String(ctx.idOf('users', 0)),
        archived: false,
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
};
