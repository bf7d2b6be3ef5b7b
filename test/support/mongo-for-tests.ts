import { MongoClient } from 'mongodb';
import { ferretdbBinary, startFerretdb } from './ferretdb.ts';

export type TestMongo = { url: string; stop(): Promise<void> };

/**
 * A MongoDB-compatible server for a test file: MONGODB_URL when given (any real server),
 * else FerretDB built by scripts/ferretdb.sh, else MongoDB in Docker via testcontainers.
 * With none of them it throws (the tests fail, never skip) saying how to get one.
 */
export async function mongoForTests(): Promise<TestMongo> {
  if (process.env.MONGODB_URL) return { url: process.env.MONGODB_URL, stop: async () => {} };
  const binary = ferretdbBinary();
  if (binary) return startFerretdb(binary);
  let why: string;
  try {
    const { MongoDBContainer } = await import('@testcontainers/mongodb');
    const container = await new MongoDBContainer('mongo:7').start();
    return {
      url: `${container.getConnectionString()}?directConnection=true`,
      stop: async () => {
        await container.stop();
      },
    };
  } catch (err) {
    why = (err as Error).message.split('\n')[0] ?? 'unknown error';
  }
  throw new Error(
    `no MongoDB-compatible server for the mongo tests: set MONGODB_URL, or run \`bash scripts/ferretdb.sh\` to build FerretDB, or start Docker (testcontainers: ${why})`,
  );
}

/** Drops a test's database (on a shared MONGODB_URL server it would otherwise stay behind). */
export async function dropTestDatabase(url: string, dbName: string): Promise<void> {
  const client = new MongoClient(url);
  try {
    await client.connect();
    await client.db(dbName).dropDatabase();
  } finally {
    await client.close();
  }
}
