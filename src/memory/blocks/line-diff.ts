export interface DiffLine {
  op: "equal" | "insert" | "delete";
  text: string;
}

/**
 * Line diff by Myers' O(ND) algorithm: the shortest edit script turning `before` into `after`.
 * An empty text has no lines.
 */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  // Trim the common prefix and suffix first: block edits are usually small.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const middle = myers(a.slice(start, endA), b.slice(start, endB));
  return [
    ...a.slice(0, start).map((text) => ({ op: "equal" as const, text })),
    ...middle,
    ...a.slice(endA).map((text) => ({ op: "equal" as const, text })),
  ];
}

function splitLines(text: string): string[] {
  return text === "" ? [] : text.split("\n");
}

function myers(a: string[], b: string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  if (n === 0) return b.map((text) => ({ op: "insert", text }));
  if (m === 0) return a.map((text) => ({ op: "delete", text }));
  const max = n + m;
  const offset = max;
  const v = new Int32Array(2 * max + 2);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0))) {
        x = v[offset + k + 1] ?? 0;
      } else {
        x = (v[offset + k - 1] ?? 0) + 1;
      }
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, a, b, offset, d);
    }
  }
  throw new Error("unreachable: Myers diff exhausted its bound");
}

function backtrack(trace: Int32Array[], a: string[], b: string[], offset: number, depth: number): DiffLine[] {
  const out: DiffLine[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = depth; d > 0; d--) {
    const v = trace[d] as Int32Array;
    const k = x - y;
    const prevK =
      k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0)) ? k + 1 : k - 1;
    const prevX = v[offset + prevK] ?? 0;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      out.push({ op: "equal", text: a[x - 1] as string });
      x--;
      y--;
    }
    if (x === prevX) out.push({ op: "insert", text: b[y - 1] as string });
    else out.push({ op: "delete", text: a[x - 1] as string });
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    out.push({ op: "equal", text: a[x - 1] as string });
    x--;
    y--;
  }
  return out.reverse();
}

/** Renders a diff in unified style: ` ` kept, `-` removed, `+` added. */
export function formatDiffLines(lines: readonly DiffLine[]): string {
  return lines
    .map((line) => `${line.op === "equal" ? " " : line.op === "insert" ? "+" : "-"}${line.text}`)
    .join("\n");
}
