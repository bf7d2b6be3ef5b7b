import catalog from './clinical-catalog.json' with { type: 'json' };

/**
 * LOINC codes "mapped to a flowsheet row" in the simulated organisation: Epic files an
 * Observation.Create into a flowsheet row and refuses codes the customer has not mapped.
 */
export const MAPPED_OBSERVATION_LOINC: ReadonlySet<string> = new Set([
  catalog.bloodPressure.loinc,
  ...catalog.vitalSigns.map((v) => v.loinc),
]);
