import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Paths that may carry PHI in anything we log (FHIR resources, native records, request
 * bodies). Logged objects should not contain them at all; redaction is the safety net.
 */
export const PHI_REDACT_PATHS = [
  '*.name',
  '*.given',
  '*.family',
  '*.birthDate',
  '*.birth_date',
  '*.dob',
  '*.date_of_birth',
  '*.telecom',
  '*.phone',
  '*.email',
  '*.address',
  '*.text',
  '*.note',
  '*.notes',
  '*.comment',
  '*.description',
  '*.body',
  '*.resource',
  '*.raw',
  '*.first_name',
  '*.last_name',
  '*.ssn',
  'req.headers.authorization',
  'req.headers.cookie',
  '*.access_token',
  '*.refresh_token',
  '*.client_secret',
  '*.password',
  '*.secrets',
];

export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: PHI_REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'fhir-gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
