import pino, { type Bindings, type ChildLoggerOptions, type DestinationStream, type Logger } from 'pino';
import { safeMessage, sanitize } from './sanitize.ts';

/**
 * The gateway's logger. Nothing reaches the output unsanitized (sanitize.ts): the logged
 * object and child bindings go through the allow-list serializer, an Error passed alone is
 * logged as `{err}` with a fixed message (pino would print its message), and values
 * interpolated into a message are dropped.
 */
export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  const logger = pino(
    {
      level: options.level,
      base: { service: 'fhir-gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // pino's own err serializer would write message and stack as they are.
      serializers: { err: (value: unknown) => value },
      formatters: {
        log: (object) => sanitize(object) as Record<string, unknown>,
        // Base bindings only: pino skips this formatter for child loggers (see sanitizeChildren).
        bindings: (bindings) => sanitize(bindings) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          if (typeof first === 'string') {
            method.call(this, {}, rest.length > 0 ? safeMessage(first) : first);
            return;
          }
          const object: object =
            first instanceof Error
              ? { err: first }
              : typeof first === 'object' && first !== null
                ? first
                : {};
          const message = typeof rest[0] === 'string' ? rest[0] : undefined;
          if (message !== undefined) {
            method.call(this, object, rest.length > 1 ? safeMessage(message) : message);
          } else if ('err' in object) {
            method.call(this, object, 'error'); // pino would use the error's message
          } else {
            method.call(this, object);
          }
        },
      },
    },
    options.destination,
  );
  return sanitizeChildren(logger);
}

/** Child bindings go through the same serializer; pino would write them as given. */
function sanitizeChildren(logger: Logger): Logger {
  const child = logger.child.bind(logger);
  const safeChild = (bindings: Bindings, options?: ChildLoggerOptions): Logger =>
    sanitizeChildren(child(sanitize(bindings) as Bindings, options));
  logger.child = safeChild as unknown as Logger['child'];
  return logger;
}
