import type { Collection, Document } from 'mongodb';
import type { Logger } from 'pino';

export type WakeSource = { stop(): Promise<void> };

/**
 * Wakes the tailer on every insert into the change log, through a MongoDB change stream — where
 * the deployment offers one (a replica set). The stream is only a wake-up: the tailer still reads
 * the log by seq, so a lost or repeated notification costs latency, never an event. A server
 * without change streams (a standalone mongod, FerretDB v1) refuses `watch`; then this logs once
 * and the tailer's poll carries on. Untested against a real replica set here (CI has FerretDB only).
 */
export function wakeOnChangeStream(
  changes: Pick<Collection<Document>, 'watch'>,
  wake: () => void,
  log: Pick<Logger, 'info' | 'warn'>,
): WakeSource {
  let stream: ReturnType<Collection<Document>['watch']> | undefined;
  let stopped = false;
  try {
    stream = changes.watch([{ $match: { operationType: 'insert' } }], { batchSize: 100 });
    stream.on('change', () => wake());
    stream.on('error', (err: Error) => {
      if (stopped) return;
      log.info(
        { error: { errorType: err.name, code: (err as { code?: unknown }).code } },
        'change streams unavailable: the change tailer polls',
      );
      void stream?.close().catch(() => {});
    });
  } catch (err) {
    log.info(
      { error: { errorType: (err as Error).name } },
      'change streams unavailable: the change tailer polls',
    );
  }
  return {
    async stop() {
      stopped = true;
      await stream?.close().catch(() => {});
    },
  };
}
