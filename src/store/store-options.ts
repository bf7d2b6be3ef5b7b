import type { Indexer } from '../fhir/index-entry.ts';
import type { SecretBox } from './secret-box.ts';

/** What both adapters need besides their connection details. */
export type StoreOptions = {
  /** Largest resource accepted, in bytes of JSON. */
  maxResourceBytes: number;
  secretBox: SecretBox;
  /**
   * 32-byte key sealing list and search cursors (`deriveCursorKey(dataEncryptionKey)`, cursor-sealer.ts).
   * Every instance of a deployment needs the same one; without it a random per-process key is
   * used and cursors do not survive a restart.
   */
  cursorKey?: Buffer;
  /** Milliseconds since the epoch; injectable for lease/retention tests. */
  now?: () => number;
  /**
   * The search index entries of a resource (the app passes `searchIndexer(defs)`), extracted when
   * it is written and visible to every search after the write returns (SQLite may write the rows
   * later, but always before a search reads them). Without it nothing is indexed and `search`
   * refuses to run. Must return [] for types it does not index; anything it throws fails the write.
   */
  indexer?: Indexer;
  /**
   * The key that MACs change-log cursors (cursor.ts), so a tampered or foreign cursor is a clear
   * CursorError. Every process serving the same store needs the same key; openStore derives it
   * from the data-encryption key.
   */
  changeCursorKey?: Buffer;
};

export const DEFAULT_MAX_RESOURCE_BYTES = 1024 * 1024;
