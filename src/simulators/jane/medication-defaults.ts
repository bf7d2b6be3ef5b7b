/**
 * The optional fields of a Jane medication, null when not given: a created or seeded
 * medication carries every field of the documented shape, as the API answers.
 */
export const MEDICATION_NULLS = {
  encounter_id: null,
  ingredients: null,
  dose_form: null,
  route: null,
  frequency: null,
  quantity: null,
  period_start: null,
  period_end: null,
  instructions: null,
  change_reason: null,
  prescription_valid_until: null,
  prescription_refills: null,
  prescription_days_supply: null,
  prescription_reason: null,
} as const;
