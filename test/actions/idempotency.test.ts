import { idempotencySuite } from './idempotency-suite.ts';

idempotencySuite('SQLite');
