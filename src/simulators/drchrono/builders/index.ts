import { billingBuilders } from './billing.ts';
import { clinicalBuilders } from './clinical.ts';
import { labBuilders } from './labs.ts';
import { messagingBuilders } from './messaging.ts';
import { patientBuilders } from './patients.ts';
import { practiceBuilders } from './practice.ts';
import { schedulingBuilders } from './scheduling.ts';
import { taskBuilders } from './tasks.ts';
import type { Builder } from './types.ts';

/** Every generated resource's record builder, by resource name. */
export const builders: Record<string, Builder> = {
  ...practiceBuilders,
  ...patientBuilders,
  ...schedulingBuilders,
  ...clinicalBuilders,
  ...labBuilders,
  ...billingBuilders,
  ...messagingBuilders,
  ...taskBuilders,
};
