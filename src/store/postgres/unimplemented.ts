/** A sub-store this backend does not have yet: every method call fails, naming it. */
export function unimplemented<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get(_target, property) {
      if (property === "then") return undefined;
      return () =>
        Promise.reject(new Error(`${name}.${String(property)} is not implemented on PostgreSQL yet`));
    },
  });
}
