import type { Store } from '../../src/store/port.ts';

/** How the contract suite reaches one adapter; every `open` sees the same database. */
export type StoreHarness = {
  name: 'sqlite' | 'mongo';
  open(options?: { key?: Buffer; maxResourceBytes?: number; now?: () => number }): Promise<Store>;
  /** The stored (encrypted) secrets text of a connection, read around the adapter. */
  rawSecrets(tenant: string, id: string): Promise<string>;
  /** What a writer worker needs to open its own store on the same database. */
  workerTarget: WorkerTarget;
  cleanup(): Promise<void>;
};

export type WorkerTarget = { kind: 'sqlite'; path: string } | { kind: 'mongo'; url: string; dbName: string };

export const TEST_KEY = Buffer.alloc(32, 7);
