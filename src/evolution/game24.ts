/**
 * The Game of 24 checker: the answer must hold an arithmetic expression (+ − × ÷ and brackets) that
 * uses each of the puzzle's four numbers exactly once and equals the target (24 unless the task's
 * `expected` says otherwise). Arithmetic is exact (fractions), so 8 / (3 − 8 / 3) counts.
 */
import type { CheckInput, CheckResult } from "./checkers.ts";

/** A fraction in lowest terms with a positive denominator. */
interface Fraction {
  n: bigint;
  d: bigint;
}

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : gcd(b, a % b));
function fraction(n: bigint, d: bigint): Fraction {
  if (d < 0n) return fraction(-n, -d);
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
}

/** The numbers of a puzzle: the integers in its input (`"4 9 10 13"`). */
export function puzzleNumbers(input: string): number[] {
  return (input.match(/-?\d+/g) ?? []).map(Number);
}

/** The expression an answer gives: its last line with an operator, less any `= 24` at its end. */
export function expressionIn(output: string): string | null {
  const lines = output
    .replace(/[×∗]/g, "*")
    .replace(/(?<=[\d)]\s*)[xX](?=\s*[\d(])/g, "*")
    .replace(/÷/g, "/")
    .replace(/[−–]/g, "-")
    .split("\n")
    .map((l) => l.replace(/=\s*-?\d+(\.\d+)?\s*\.?\s*$/, "").trim());
  for (const line of lines.reverse()) {
    const candidates = line.match(/[\d\s+\-*/().]+/g) ?? [];
    const found = candidates
      .map((c) => c.trim())
      .filter((c) => /\d/.test(c) && /[+\-*/]/.test(c))
      .sort((a, b) => b.length - a.length)[0];
    if (found !== undefined) return found;
  }
  return null;
}

/** Parses and evaluates an expression exactly; the numbers it used, in order. @throws Error when malformed. */
export function evaluateExpression(text: string): { value: Fraction; numbers: number[] } {
  const tokens = text.match(/\d+|[+\-*/()]|\S/g) ?? [];
  let at = 0;
  const numbers: number[] = [];
  const peek = () => tokens[at];
  const take = (expected?: string) => {
    const token = tokens[at++];
    if (token === undefined || (expected !== undefined && token !== expected))
      throw new Error(expected === undefined ? "the expression ends too soon" : `expected "${expected}"`);
    return token;
  };
  const primary = (): Fraction => {
    const token = take();
    if (token === "(") {
      const value = sum();
      take(")");
      return value;
    }
    if (token === "-") {
      const value = primary();
      return fraction(-value.n, value.d);
    }
    if (!/^\d+$/.test(token)) throw new Error(`unexpected "${token}"`);
    numbers.push(Number(token));
    return fraction(BigInt(token), 1n);
  };
  const product = (): Fraction => {
    let value = primary();
    while (peek() === "*" || peek() === "/") {
      const op = take();
      const right = primary();
      if (op === "/" && right.n === 0n) throw new Error("it divides by zero");
      value =
        op === "*"
          ? fraction(value.n * right.n, value.d * right.d)
          : fraction(value.n * right.d, value.d * right.n);
    }
    return value;
  };
  const sum = (): Fraction => {
    let value = product();
    while (peek() === "+" || peek() === "-") {
      const op = take();
      const right = product();
      const n = op === "+" ? value.n * right.d + right.n * value.d : value.n * right.d - right.n * value.d;
      value = fraction(n, value.d * right.d);
    }
    return value;
  };
  const value = sum();
  if (at < tokens.length) throw new Error(`unexpected "${tokens[at]}"`);
  return { value, numbers };
}

const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b).join(" ");
const show = (f: Fraction) => (f.d === 1n ? String(f.n) : `${f.n}/${f.d}`);

/** Scores a Game of 24 answer (see the module comment). */
export function checkGame24(output: string, task: CheckInput): CheckResult {
  const numbers = puzzleNumbers(task.input);
  const target = task.expected === null || task.expected === undefined ? 24 : Number(task.expected);
  const expression = expressionIn(output);
  if (expression === null)
    return {
      score: 0,
      feedback: `the answer holds no arithmetic expression; use ${numbers.join(", ")} once each to make ${target}`,
    };
  let result: ReturnType<typeof evaluateExpression>;
  try {
    result = evaluateExpression(expression);
  } catch (error) {
    return { score: 0, feedback: `"${expression}" is not a valid expression: ${(error as Error).message}` };
  }
  if (sorted(result.numbers) !== sorted(numbers))
    return {
      score: 0,
      feedback: `"${expression}" uses ${result.numbers.join(", ") || "no numbers"}, but must use ${numbers.join(", ")} once each`,
    };
  if (result.value.d !== 1n || result.value.n !== BigInt(target))
    return { score: 0, feedback: `"${expression}" equals ${show(result.value)}, not ${target}` };
  return { score: 1, feedback: `correct: ${expression} = ${target}` };
}
