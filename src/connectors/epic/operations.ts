import type { NamedOperation } from '../connector.ts';

/**
 * Epic's scheduling, the home of the seed's "Create appointment": Epic R4 offers no Appointment
 * create, and books through the Argonaut scheduling operations, which Epic serves on its STU3
 * endpoint (R4 metadata does not advertise them): `$find` proposes open slots for a patient, a
 * time window and a visit type; `$book` books one proposal. Paths are relative to the connection's
 * R4 base URL, so `../STU3/…` is the STU3 sibling on the same server.
 */
export const EPIC_OPERATIONS: readonly NamedOperation[] = [
  {
    id: 'epic.appointment.find',
    source: 'epic',
    row: 'Appointment',
    graphqlField: 'epicAppointmentFind',
    actions: [],
    method: 'POST',
    path: '../STU3/Appointment/$find',
    inputType: 'Parameters',
    outputType: 'Bundle',
    scopes: ['system/Appointment.read'],
  },
  {
    id: 'epic.appointment.book',
    source: 'epic',
    row: 'Appointment',
    graphqlField: 'epicAppointmentBook',
    actions: ['epic.appointment.create'],
    method: 'POST',
    path: '../STU3/Appointment/$book',
    inputType: 'Parameters',
    // Epic answers a Bundle holding the booked Appointment; the session answers that Appointment.
    outputType: 'Appointment',
    scopes: ['system/Appointment.write'],
  },
];
