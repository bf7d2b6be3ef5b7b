import type { NamedOperation } from '../connector.ts';

/**
 * DrChrono's non-CRUD calls in issue 15's scope, as data (docs/mutations.md): the OnPatient portal
 * invite of a patient (`/api/patients/{id}/onpatient_access`: POST sends, GET reads, DELETE
 * revokes) and applying a consent form to an appointment (`/api/consent_forms/{id}/…`).
 *
 * Inputs (`subject`, `Parameters`): the invite takes the patient by gateway id (its native id
 * fills `{id}`) and, to send, an optional `email` (DrChrono uses the patient's own when absent).
 * (Un)apply takes the blank consent form's Questionnaire by gateway id (a `consent_forms` record of
 * the connection: its native id fills `{id}`), like every other id a client holds; DrChrono's
 * numeric form id is not taken (docs/connectors.md says why). The body names the appointment by
 * its native id (from the Appointment's gateway reference). Outputs: sending answers the Patient
 * (read back and stored); reading answers the invite (`{patient, email, status}`, shaped into
 * `Parameters`); revoke and (un)apply answer 204 (an informational OperationOutcome).
 */
const op = (o: Omit<NamedOperation, 'source'>): NamedOperation => ({ source: 'drchrono', ...o });
// The blank form is a Questionnaire of the consent_forms row (the operations' row): named by gateway id.
const CONSENT_FORM = { type: 'Questionnaire' };

export const DRCHRONO_OPERATIONS: readonly NamedOperation[] = [
  op({
    id: 'drchrono.patient.onpatient_invite_send',
    row: 'patients',
    graphqlField: 'drchronoPatientOnpatientInviteSend',
    actions: ['drchrono.patient.onpatient_invite_send'],
    method: 'POST',
    path: '/api/patients/{id}/onpatient_access',
    inputType: 'Parameters',
    outputType: 'Patient',
    scopes: ['patients:write'],
    subject: { type: 'Patient' },
    body: { email: { parameter: 'email' } },
    answer: 'record',
  }),
  op({
    id: 'drchrono.patient.onpatient_access_read',
    row: 'patients',
    graphqlField: 'drchronoPatientOnpatientAccessRead',
    actions: ['drchrono.patient.onpatient_access_read'],
    method: 'GET',
    path: '/api/patients/{id}/onpatient_access',
    inputType: 'Parameters',
    outputType: 'Parameters',
    scopes: ['patients:read'],
    subject: { type: 'Patient' },
    answer: { parameters: { email: 'email', status: 'status' } },
  }),
  op({
    id: 'drchrono.patient.onpatient_invite_revoke',
    row: 'patients',
    graphqlField: 'drchronoPatientOnpatientInviteRevoke',
    actions: ['drchrono.patient.onpatient_invite_revoke'],
    method: 'DELETE',
    path: '/api/patients/{id}/onpatient_access',
    inputType: 'Parameters',
    outputType: 'OperationOutcome',
    scopes: ['patients:write'],
    subject: { type: 'Patient' },
  }),
  op({
    id: 'drchrono.consent_form.apply',
    row: 'consent_forms',
    graphqlField: 'drchronoConsentFormApply',
    actions: ['drchrono.consent_form.apply'],
    method: 'POST',
    path: '/api/consent_forms/{id}/apply_to_appointment',
    inputType: 'Parameters',
    outputType: 'OperationOutcome',
    scopes: ['patients:write'],
    subject: CONSENT_FORM,
    body: { appointment: { parameter: 'appointment', integer: true, required: true } },
  }),
  op({
    id: 'drchrono.consent_form.unapply',
    row: 'consent_forms',
    graphqlField: 'drchronoConsentFormUnapply',
    actions: ['drchrono.consent_form.unapply'],
    method: 'POST',
    path: '/api/consent_forms/{id}/unapply_from_appointment',
    inputType: 'Parameters',
    outputType: 'OperationOutcome',
    scopes: ['patients:write'],
    subject: CONSENT_FORM,
    body: { appointment: { parameter: 'appointment', integer: true, required: true } },
  }),
];
