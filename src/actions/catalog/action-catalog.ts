import type { ActionDefinition } from './action-definition.ts';
import { DRCHRONO_ACTIONS } from './drchrono-actions.ts';
import { EPIC_ACTIONS } from './epic-actions.ts';
import { JANE_ACTIONS } from './jane-actions.ts';

/** Every seed action of the three sources (202: Jane 18, DrChrono 174, Epic 10), as declared. */
export const ACTION_CATALOG: readonly ActionDefinition[] = [
  ...JANE_ACTIONS,
  ...DRCHRONO_ACTIONS,
  ...EPIC_ACTIONS,
];
