import type { TriggerDefinition } from '../connectors/connector.ts';
import { DRCHRONO_TRIGGERS } from '../connectors/drchrono/triggers.ts';
import { EPIC_TRIGGERS } from '../connectors/epic/triggers.ts';
import { JANE_TRIGGERS } from '../connectors/jane/triggers.ts';

/** Every seed trigger of the three sources (12 + 23 + 10), as the connectors declare them. */
export const ALL_TRIGGERS: readonly TriggerDefinition[] = [
  ...JANE_TRIGGERS,
  ...DRCHRONO_TRIGGERS,
  ...EPIC_TRIGGERS,
];

/**
 * The typed subscription field of a trigger, derived from its id: `jane.patient.created` →
 * `janePatientCreated`, `drchrono.task_note.new_or_updated` → `drchronoTaskNoteNewOrUpdated`.
 */
export function triggerFieldName(id: string): string {
  const words = id.split(/[._]/).filter((w) => w.length > 0);
  return words.map((w, i) => (i === 0 ? w : `${w[0]?.toUpperCase()}${w.slice(1)}`)).join('');
}
