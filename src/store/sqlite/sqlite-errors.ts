/** Whether a node:sqlite error is a UNIQUE or PRIMARY KEY violation. */
export function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof Error && /UNIQUE constraint failed|PRIMARY KEY constraint failed/.test(error.message)
  );
}
