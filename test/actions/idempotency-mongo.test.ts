import { afterAll, beforeAll } from 'vitest';
import { mongoStore } from '../support/graphql-harness.ts';
import { mongoForTests, type TestMongo } from '../support/mongo-for-tests.ts';
import { idempotencySuite } from './idempotency-suite.ts';

let mongo: TestMongo | undefined;
const url = async () => {
  mongo ??= await mongoForTests();
  return mongo.url;
};
beforeAll(async () => {
  await url();
}, 120_000);
afterAll(async () => {
  await mongo?.stop();
});

idempotencySuite('MongoDB wire (FerretDB in CI)', () => mongoStore(url));
