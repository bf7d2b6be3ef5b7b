/**
 * Typed store errors. Messages name types, ids, keys and limits — never resource contents,
 * which may be PHI.
 */
export class StoreError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

export class InvalidResourceError extends StoreError {
  constructor(message: string) {
    super('invalid-resource', message);
  }
}

export class ResourceTooLargeError extends StoreError {
  constructor(bytes: number, limit: number) {
    super('too-large', `resource is ${bytes} bytes, over the store limit of ${limit} bytes`);
  }
}

export class UnknownTenantError extends StoreError {
  constructor(tenant: string) {
    super('unknown-tenant', `unknown tenant "${tenant}"`);
  }
}

/**
 * An argument of a Store call that is not of the port's id grammar (validate-ids.ts): wrong
 * characters, too long, or not a string at all (an operator object such as `{ $ne: '' }`).
 * The message names the field and the grammar, never the value.
 */
export class InvalidIdError extends StoreError {
  readonly field: string;
  constructor(field: string, rule: string) {
    super('invalid-id', `invalid ${field}: ${rule}`);
    this.field = field;
  }
}

export class ResourceNotFoundError extends StoreError {
  readonly type: string;
  readonly id: string;
  constructor(type: string, id: string) {
    super('not-found', `${type}/${id} not found`);
    this.type = type;
    this.id = id;
  }
}

export class ResourceGoneError extends StoreError {
  readonly type: string;
  readonly id: string;
  constructor(type: string, id: string) {
    super('gone', `${type}/${id} was deleted`);
    this.type = type;
    this.id = id;
  }
}

export class CursorError extends StoreError {
  constructor(message: string) {
    super('invalid-cursor', message);
  }
}

export class CursorExpiredError extends StoreError {
  constructor(seq: number, floor: number) {
    super(
      'cursor-expired',
      `cursor at seq ${seq} is before the retained change log (oldest kept: ${floor + 1})`,
    );
  }
}

export class FencedOutError extends StoreError {
  constructor(key: string, fence: number) {
    super(
      'fenced-out',
      `write to "${key}" with fencing token ${fence} refused: the lease is held by a newer holder`,
    );
  }
}

export class IdempotencyConflictError extends StoreError {
  constructor(key: string) {
    super('idempotency-conflict', `idempotency key "${key}" was already used for a different request`);
  }
}

export class SecretDecryptionError extends StoreError {
  constructor(what: string) {
    super(
      'secret-decryption',
      `cannot decrypt the secrets of ${what}: wrong data-encryption key or corrupted data`,
    );
  }
}

export class InvalidSecretNameError extends StoreError {
  constructor(name: unknown) {
    super(
      'invalid-secret-name',
      `secret name ${typeof name === 'string' ? `"${name.slice(0, 80)}"` : `of type ${typeof name}`} must match ^[A-Za-z0-9._~-]{1,64}$`,
    );
  }
}

export class ConcurrentWriteError extends StoreError {
  constructor(type: string, id: string) {
    super('concurrent-write', `${type}/${id}: too many concurrent writers, gave up`);
  }
}

export class SearchUnavailableError extends StoreError {
  constructor() {
    super('search-unavailable', 'search needs a search index: open the store with StoreOptions.indexer');
  }
}

export class InvalidSearchError extends StoreError {
  constructor(message: string) {
    super('invalid-search', message);
  }
}

export class ApiKeyExistsError extends StoreError {
  constructor(id: string) {
    super('api-key-exists', `an API key with id "${id}" already exists`);
  }
}

export class InvalidApiKeyIdError extends StoreError {
  constructor() {
    // The offending text is not echoed: it may be a pasted secret.
    super('invalid-api-key-id', 'API key ids are 8 to 64 letters and digits');
  }
}

export class InvalidChangeFilterError extends StoreError {
  constructor(message: string) {
    super('invalid-change-filter', message);
  }
}
