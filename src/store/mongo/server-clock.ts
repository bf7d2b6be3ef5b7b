import type { Db } from 'mongodb';

/**
 * The database server's clock, as an offset from ours measured at open (half the round
 * trip corrected). Lease expiry must be judged by one clock that all contenders share.
 * Falls back to the local clock when the server does not report `localTime`.
 */
export async function serverClock(db: Db, local: () => number = Date.now): Promise<() => number> {
  const before = local();
  const hello = (await db.admin().command({ hello: 1 })) as { localTime?: Date };
  const after = local();
  if (!(hello.localTime instanceof Date)) return local;
  const offset = hello.localTime.getTime() - (before + after) / 2;
  return () => local() + offset;
}
