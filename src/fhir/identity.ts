import { hash } from 'node:crypto';

/**
 * Gateway identity: ids, identifier systems, meta.source and the source-system tag.
 * The rules are documented in docs/identity.md; change both together.
 */

export const SOURCE_SYSTEMS = ['jane', 'drchrono', 'epic'] as const;
export type SourceSystem = (typeof SOURCE_SYSTEMS)[number];

export function isSourceSystem(value: string): value is SourceSystem {
  return (SOURCE_SYSTEMS as readonly string[]).includes(value);
}

export const SOURCE_SYSTEM_DISPLAY: Readonly<Record<SourceSystem, string>> = {
  jane: 'Jane',
  drchrono: 'DrChrono',
  epic: 'Epic',
};

/** meta.source of every resource read through a connection is this prefix + the connection id. */
export const CONNECTION_SOURCE_PREFIX = 'urn:fhir-gateway:connection:';

export const DEFAULT_GATEWAY_BASE_URL = 'https://fhir-gateway.example';

/** Where the gateway's own URIs live (identifier systems, the source-system code system). */
export type IdentityScheme = { readonly baseUrl: string };

export class IdentityError extends Error {
  override name = 'IdentityError';
}

export function createIdentityScheme(baseUrl: string = DEFAULT_GATEWAY_BASE_URL): IdentityScheme {
  if (!/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(baseUrl) || baseUrl.endsWith('/')) {
    throw new IdentityError('identity base URL must be an absolute http(s) URL without a trailing slash');
  }
  return { baseUrl };
}

/** Everything that names one native record, globally. */
export type NativeRecordKey = {
  readonly tenant: string;
  readonly connectionId: string;
  readonly source: SourceSystem;
  /** The source's own name for the record type, e.g. `appointments` (Jane) or `Patient` (Epic). */
  readonly sourceType: string;
  readonly nativeId: string;
  /** Tells apart several resources of one FHIR type mapped from one native record (e.g. `height`). */
  readonly qualifier?: string;
};

/** Characters safe in a URN and a URL path segment, so ids need no escaping where we embed them. */
const SAFE_NAME = /^[A-Za-z0-9._~-]{1,64}$/;

function requireSafeName(field: string, value: string): void {
  if (!SAFE_NAME.test(value)) {
    throw new IdentityError(`${field} must match ${SAFE_NAME.source}`);
  }
}

function requireKey(key: NativeRecordKey): void {
  if (!key.tenant) throw new IdentityError('tenant must not be empty');
  requireSafeName('connectionId', key.connectionId);
  requireSafeName('sourceType', key.sourceType);
  if (!(SOURCE_SYSTEMS as readonly string[]).includes(key.source)) {
    throw new IdentityError(`source must be one of ${SOURCE_SYSTEMS.join(', ')}`);
  }
  if (!key.nativeId) throw new IdentityError('nativeId must not be empty');
}

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const ID_BITS = 160;

function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * The resource id of a native record: the first 160 bits of SHA-256 over an unambiguous encoding
 * of the key, in lowercase base32 (32 characters, a valid FHIR id). The same record always gets the
 * same id; records of different tenants or connections never share one (see docs/identity.md for
 * the collision bound).
 */
export function gatewayId(key: NativeRecordKey): string {
  requireKey(key);
  // JSON of an array is an injective encoding: no choice of field values can mimic another key.
  const material = JSON.stringify([
    'fhir-gateway-id/v1',
    key.tenant,
    key.connectionId,
    key.sourceType,
    key.nativeId,
    key.qualifier ?? null,
  ]);
  const known = recentIds.get(material);
  if (known !== undefined) return known;
  const digest = hash('sha256', material, 'buffer'); // one-shot: cheaper than createHash for small inputs
  const id = base32(digest.subarray(0, ID_BITS / 8));
  if (recentIds.size >= RECENT_IDS_LIMIT) recentIds.clear();
  recentIds.set(material, id);
  return id;
}

/**
 * Ids computed lately, by key material: a record's resources and references name the same few
 * records (a patient's Coverage points at the patient), so a sync page asks for most ids twice.
 * The id is a pure function of the material; bounded, cleared when full.
 */
const recentIds = new Map<string, string>();
const RECENT_IDS_LIMIT = 4096;

/** The identifier system under which a connection's native ids of one source type are unique. */
export function nativeIdentifierSystem(
  scheme: IdentityScheme,
  key: Pick<NativeRecordKey, 'source' | 'connectionId' | 'sourceType'>,
): string {
  requireSafeName('connectionId', key.connectionId);
  requireSafeName('sourceType', key.sourceType);
  return `${scheme.baseUrl}/sid/${key.source}/${key.connectionId}/${key.sourceType}`;
}

export function connectionSource(connectionId: string): string {
  requireSafeName('connectionId', connectionId);
  return `${CONNECTION_SOURCE_PREFIX}${connectionId}`;
}

export function connectionIdFromSource(metaSource: string | undefined): string | undefined {
  if (!metaSource?.startsWith(CONNECTION_SOURCE_PREFIX)) return undefined;
  const id = metaSource.slice(CONNECTION_SOURCE_PREFIX.length);
  return SAFE_NAME.test(id) ? id : undefined;
}

export function sourceSystemTagSystem(scheme: IdentityScheme): string {
  return `${scheme.baseUrl}/CodeSystem/source-system`;
}
