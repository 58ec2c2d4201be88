import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

// The TypeScript samples of README.md and docs/ are what a user pastes into a project of their own,
// whose tsconfig is most often the one `tsc --init` writes: strict, with noUncheckedIndexedAccess and
// exactOptionalPropertyTypes. Each sample that imports something is type-checked under those settings,
// "engram" and its subpaths resolving to the entry points' sources as the package's declarations do.
// A sample may leave the values around it undeclared (an `engram`, an `agent`): those are not errors
// here, but everything it does with what it imports must type-check.

const root = fileURLToPath(new URL("..", import.meta.url));

interface Sample {
  /** Where its fence opens: file and 1-based line. */
  where: string;
  code: string;
}

export function typeScriptSamples(file: string, markdown: string): Sample[] {
  const lines = markdown.split("\n");
  const samples: Sample[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== "```ts") continue;
    const end = lines.indexOf("```", i + 1);
    assert.ok(end > i, `the block at ${file}:${i + 1} is not closed`);
    const code = lines.slice(i + 1, end).join("\n");
    if (/^import /m.test(code)) samples.push({ where: `${file}:${i + 1}`, code });
    i = end;
  }
  return samples;
}

/** What `tsc --init` (TypeScript 5.9 and later) sets that bears on how a call type-checks. */
const USER_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ESNext,
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  moduleDetection: ts.ModuleDetectionKind.Force,
  skipLibCheck: true,
  noEmit: true,
  types: ["node"],
  // The package's exports, on its sources: engram's own files are compiled along, not judged.
  baseUrl: root,
  paths: { engram: ["src/index.ts"], "engram/*": ["src/*/index.ts"] },
  allowImportingTsExtensions: true,
};

/**
 * A fragment's free names (not found, a shorthand property of nothing) and what follows from them: a
 * callback passed to a value of unknown type has parameters of unknown type.
 */
const UNDECLARED = new Set([2304, 2552, 18004, 7006, 7031]);

function check(samples: readonly Sample[]): string[] {
  const files = new Map(samples.map((sample, i) => [`${root}doc-sample-${i}.ts`, sample]));
  const host = ts.createCompilerHost(USER_OPTIONS);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (name) => files.has(name) || fileExists.call(host, name);
  host.readFile = (name) => files.get(name)?.code ?? readFile.call(host, name);
  host.getSourceFile = (name, language, ...rest) => {
    const sample = files.get(name);
    return sample === undefined
      ? getSourceFile.call(host, name, language, ...rest)
      : ts.createSourceFile(name, sample.code, language, true);
  };
  const program = ts.createProgram([...files.keys()], USER_OPTIONS, host);
  const problems: string[] = [];
  for (const [name, sample] of files) {
    const source = program.getSourceFile(name);
    assert.ok(source, `${sample.where} was compiled`);
    for (const diagnostic of [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ]) {
      if (UNDECLARED.has(diagnostic.code)) continue;
      const line = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1;
      const [file, fence] = sample.where.split(":");
      problems.push(
        `${file}:${Number(fence) + line}: TS${diagnostic.code} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")}`,
      );
    }
  }
  return problems;
}

describe("the TypeScript samples of the README and docs/", () => {
  const documents = [
    "README.md",
    ...readdirSync(`${root}docs`)
      .filter((name) => name.endsWith(".md"))
      .map((name) => `docs/${name}`),
  ];
  const samples = documents.flatMap((file) =>
    typeScriptSamples(file, readFileSync(`${root}${file}`, "utf8")),
  );

  it("finds the samples, among them the README's first program and the typed client", () => {
    const where = samples.map((sample) => sample.where);
    assert.ok(where.some((w) => w.startsWith("README.md:")) && samples.length >= 10, where.join(", "));
    assert.ok(samples.some((sample) => sample.code.includes('from "engram/client"')));
  });

  it("type-check in a project set up by tsc --init (exactOptionalPropertyTypes, noUncheckedIndexedAccess)", () => {
    assert.deepEqual(check(samples), []);
  });

  it("are judged: a sample that misuses the API is an error", () => {
    const wrong = typeScriptSamples(
      "wrong.md",
      ["```ts", 'import { createEngram } from "engram";', "createEngram({ path: 42 });", "```"].join("\n"),
    );
    assert.match(check(wrong).join("\n"), /^wrong\.md:3: TS2322 /);
  });
});
