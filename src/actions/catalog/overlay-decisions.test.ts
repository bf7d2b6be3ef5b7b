import { describe, expect, it } from 'vitest';
import { DRCHRONO_ACTIONS } from './drchrono-actions.ts';
import { overlayDecisions } from './overlay-decisions.ts';

describe("overlaying a source's own decisions on the catalog", () => {
  it('replaces by seed name in place, converting the decision; leaves the rest as they were', () => {
    const out = overlayDecisions('drchrono', DRCHRONO_ACTIONS, [
      {
        id: 'drchrono.patient.onpatient_invite_send',
        seedName: 'Send OnPatient Invite',
        section: 'Patient Management',
        kind: 'operation',
        graphqlField: 'drchronoPatientOnpatientInviteSend',
        namedOperation: 'drchrono.patient.onpatient_invite_send',
        row: 'patients',
        status: 'available',
      },
      {
        id: 'drchrono.patient.update',
        seedName: 'Update Patient',
        section: 'Patient Management',
        kind: 'update',
        resourceType: 'Patient',
        graphqlField: 'PatientUpdate',
        row: 'patients',
        operation: 'update',
        status: 'available',
      },
    ]);
    expect(out).toHaveLength(DRCHRONO_ACTIONS.length);
    const index = DRCHRONO_ACTIONS.findIndex((a) => a.seedName === 'Send OnPatient Invite');
    expect(out[index]).toEqual({
      id: 'drchrono.patient.onpatient_invite_send',
      source: 'drchrono',
      seedName: 'Send OnPatient Invite',
      group: 'Patient Management',
      kind: 'operation',
      status: 'available',
      field: 'drchronoPatientOnpatientInviteSend',
      row: 'patients',
      operation: 'drchrono.patient.onpatient_invite_send',
    });
    expect(out.find((a) => a.seedName === 'Update Patient')).toMatchObject({
      write: 'update',
      payload: 'reverse-mapping',
      field: 'PatientUpdate',
    });
    expect(out.find((a) => a.seedName === 'Get Lab Order')).toBe(
      DRCHRONO_ACTIONS.find((a) => a.seedName === 'Get Lab Order'),
    );
  });

  it('refuses a decision for a seed action the catalog does not hold', () => {
    expect(() =>
      overlayDecisions('drchrono', DRCHRONO_ACTIONS, [
        {
          id: 'x.y.z',
          seedName: 'Made Up',
          section: 'S',
          kind: 'find',
          graphqlField: '',
          status: 'available',
        },
      ]),
    ).toThrow(/unknown seed action: Made Up/);
  });
});
