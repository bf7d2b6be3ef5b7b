import type { Resource } from 'fhir/r4';
import type { ChangeAction, PutOptions } from './port.ts';

export type ChangeTags = { triggers: string[]; backfill: boolean };

const TRIGGER_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/**
 * What a write's options put on the change it appends: the trigger ids its `triggers`
 * function answers for this change and the backfill flag. `resource` is only built when
 * there is a function to ask (a delete has to read the deleted version for it). A trigger id
 * that is not a short dotted name (`<source>.<thing>.<event>`) is a programming error: it fails the write
 * before anything is written.
 */
export function changeTags(
  options: PutOptions | undefined,
  type: string,
  action: ChangeAction,
  resource: () => Resource,
): ChangeTags {
  const triggers = options?.triggers ? [...options.triggers(type, action, resource())] : [];
  for (const t of triggers) {
    if (typeof t !== 'string' || !TRIGGER_ID.test(t))
      throw new TypeError(`PutOptions.triggers answered an invalid trigger id for a ${type} change`);
  }
  return { triggers, backfill: options?.backfill === true };
}
