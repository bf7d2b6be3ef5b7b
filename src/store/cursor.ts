import { CursorError } from './errors.ts';

/**
 * Opaque cursors. Clients must not build or read them; the prefix versions the format so
 * it can change without breaking cursors already handed out.
 */
export function encodeChangeCursor(seq: number): string {
  return Buffer.from(`c1:${seq}`).toString('base64url');
}

export function decodeChangeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^c1:(\d{1,16})$/.exec(text);
  if (!match) throw new CursorError('invalid change cursor');
  return Number(match[1]);
}

export function encodeListCursor(lastId: string): string {
  return Buffer.from(`l1:${lastId}`).toString('base64url');
}

export function decodeListCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith('l1:') || text.length < 4) throw new CursorError('invalid list cursor');
  return text.slice(3);
}
