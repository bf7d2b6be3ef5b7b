import type { Store } from '../../src/store/port.ts';
import type { Keyring } from '../../src/store/secret-box.ts';

/** How the contract suite reaches one adapter; every `open` sees the same database. */
export type StoreHarness = {
  name: 'sqlite' | 'mongo';
  open(options?: { key?: Buffer | Keyring; maxResourceBytes?: number; now?: () => number }): Promise<Store>;
  /** The stored (encrypted) secrets text of a connection, read around the adapter. */
  rawSecrets(tenant: string, id: string): Promise<string>;
  /** Overwrites the stored secrets text of a connection around the adapter (tamper tests). */
  writeRawSecrets(tenant: string, id: string, sealed: string): Promise<void>;
  /** Makes a connection look as the pre-rotation release stored it (`v1.` text, no key id). */
  writeLegacySecrets(tenant: string, id: string, sealed: string): Promise<void>;
  /** The stored (sealed) text of a tenant secret, read around the adapter. */
  rawTenantSecret(tenant: string, name: string): Promise<string>;
  /** What a writer worker needs to open its own store on the same database. */
  workerTarget: WorkerTarget;
  cleanup(): Promise<void>;
};

export type WorkerTarget = { kind: 'sqlite'; path: string } | { kind: 'mongo'; url: string; dbName: string };

export const TEST_KEY = Buffer.alloc(32, 7);

/** The key a harness derives the cursor key from: the ring's current one. */
export const currentKey = (key: Buffer | Keyring): Buffer => (Buffer.isBuffer(key) ? key : key.current);
