import { z } from 'zod';
import type { Connection } from '../../store/port.ts';
import { parseConnectionConfig } from './config-error.ts';

/** True for a time zone name the runtime knows (IANA, e.g. `America/Chicago`). */
function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * A connection's settings that change what its records mean, for the mapping (ForwardOptions):
 * the clinic's / office's IANA time zone (DrChrono and Jane wall-clock times carry no offset) and
 * the ISO 4217 currency of amounts that name none (Jane prices). Optional in every source's
 * config; without them times are read as UTC and amounts carry no currency.
 */
export const mappingSettingsSchema = z.object({
  timeZone: z.string().refine(isTimeZone, 'not a known IANA time zone').optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'an ISO 4217 code (three capital letters)')
    .optional(),
});
export type MappingSettings = z.infer<typeof mappingSettingsSchema>;

/** The connection's mapping settings; a bad one is `rejected` (naming the field), never guessed. */
export function mappingSettingsOf(connection: Connection): MappingSettings {
  return parseConnectionConfig(mappingSettingsSchema, connection.config, connection.source);
}
