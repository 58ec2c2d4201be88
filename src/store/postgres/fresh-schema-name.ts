let schemas = 0;

/**
 * A fresh schema name for a test's database, unique among the processes sharing a server: the process
 * id and a counter. Kept apart from the test server so that `createTestEngram` can name a schema
 * without loading the driver.
 */
export function freshSchemaName(): string {
  return `t${process.pid}_${++schemas}`;
}
