import type { TriggerDefinition } from '../connector.ts';

/**
 * DrChrono's 23 seed triggers (../shared/seeds/001: "Triggers 23"), names verbatim. Every one is
 * "New or Updated": a created or an updated change satisfies it. Patient summaries and the
 * appointments list are the same records as patients and appointments (DrChrono serves them
 * from one table), so their triggers fire on those rows' changes.
 */
const t = (thing: string, seedName: string, row: string, resourceType: string): TriggerDefinition => ({
  id: `drchrono.${thing}.new_or_updated`,
  source: 'drchrono',
  seedName,
  row,
  resourceType,
  kinds: ['created', 'updated'],
});

export const DRCHRONO_TRIGGERS: readonly TriggerDefinition[] = [
  t('patient', 'New or Updated Patients', 'patients', 'Patient'),
  t('patient_summary', 'New or Updated Patient Summaries', 'patients', 'Patient'),
  t('patient_message', 'New or Updated Patient Messages', 'patient_messages', 'Communication'),
  t('patient_payment', 'New or Updated Patient Payments', 'patient_payments', 'PaymentReconciliation'),
  t('appointment', 'New or Updated Appointments', 'appointments', 'Appointment'),
  t('appointments_list', 'New or Updated Appointments List', 'appointments', 'Appointment'),
  t('lab_order', 'New or Updated Lab Orders', 'lab_orders', 'ServiceRequest'),
  t('lab_document', 'New or Updated Lab Documents', 'lab_documents', 'DocumentReference'),
  t('document', 'New or Updated Documents', 'documents', 'DocumentReference'),
  t('fee_schedule', 'New or Updated Fee Schedules', 'fee_schedules', 'ChargeItemDefinition'),
  t('line_item', 'New or Updated Line Items', 'line_items', 'ChargeItem'),
  t('transaction', 'New or Updated Transactions', 'transactions', 'PaymentReconciliation'),
  t('prescription_message', 'New or Updated Prescription Messages', 'prescription_messages', 'Communication'),
  t('comm_log', 'New or Updated Communication Logs', 'comm_logs', 'Communication'),
  t('message', 'New or Updated Messages', 'messages', 'Communication'),
  t('task', 'New or Updated Tasks', 'tasks', 'Task'),
  t('task_template', 'New or Updated Task Templates', 'task_templates', 'ActivityDefinition'),
  t('task_category', 'New or Updated Task Categories', 'task_categories', 'Basic'),
  t('task_status', 'New or Updated Task Statuses', 'task_statuses', 'Basic'),
  t('task_note', 'New or Updated Task Notes', 'task_notes', 'Communication'),
  t('inventory_vaccine', 'New or Updated Inventory Vaccines', 'inventory_vaccines', 'Medication'),
  t('inventory_category', 'New or Updated Inventory Categories', 'inventory_categories', 'Basic'),
  t('audit_log', 'New or Updated Audit Logs', 'audit_log', 'AuditEvent'),
];
