/**
 * What a log line may carry as text. Logs hold ids, types, counts and codes, never a person's
 * data: a string is written only under one of these keys (anything else prints `[redacted]`),
 * and a number under a key that names personal data is redacted too. Extend the list when a
 * new operational field needs its text; never add a field a record or resource can carry a
 * person's data in (`name`, `value`, `text`, `reason`, ...).
 */
export const SAFE_STRING_KEYS: ReadonlySet<string> = new Set([
  // who and where
  'service',
  'tenant',
  'connection',
  'connectionId',
  'source',
  'store',
  'host',
  'url',
  'path',
  'method',
  'route',
  'signal',
  'holder',
  'lease',
  // what
  'id',
  'ids',
  'type',
  'types',
  'resourceType',
  'kind',
  'operation',
  'trigger',
  'topic',
  // a connector catalog row key (e.g. `patients`): names an endpoint, never a record
  'row',
  'scope',
  'system',
  'field',
  'fields',
  // how it went
  'action',
  'outcome',
  'status',
  'code',
  'codes',
  'errorCode',
  'errorType',
  'level',
  'event',
  'phase',
  'versionId',
  'seq',
  'requestId',
  'traceId',
  'currentKeyId',
  // demo mode's start line (demo/demo-key-log.ts): where the demo key is kept, where GraphiQL is
  'keyFile',
  'graphiql',
]);

/** Keys whose numbers are personal data (a phone or SSN stored as a number, an age). */
export const PHI_NUMBER_KEY =
  /phone|fax|ssn|social|mrn|chart|birth|dob|age|zip|postal|license|member|policy|account/i;

/** Longest string written, even under a safe key (ids, codes and URLs are short). */
export const MAX_SAFE_STRING = 256;
