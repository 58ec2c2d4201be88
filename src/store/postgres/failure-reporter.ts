import type { TestEvent } from "node:test/reporters";

/**
 * A `node --test` reporter for a run whose output another test reads: one JSON line per failed test
 * (`{"failed": {file, name, message}}`, suites whose only fault is a failed subtest left out), then
 * `{"passed": N, "failedCount": M}`.
 */
export default async function* failureReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  let passed = 0;
  let failed = 0;
  for await (const event of source) {
    if (event.type === "test:pass" && event.data.details.type !== "suite") passed++;
    if (event.type !== "test:fail") continue;
    const error = event.data.details.error as Error & { failureType?: string; cause?: unknown };
    if (error.failureType === "subtestsFailed") continue;
    failed++;
    const cause = error.cause instanceof Error ? error.cause.message : String(error.cause ?? error.message);
    yield `${JSON.stringify({ failed: { file: event.data.file, name: event.data.name, message: cause.split("\n")[0] } })}\n`;
  }
  yield `${JSON.stringify({ passed, failedCount: failed })}\n`;
}
