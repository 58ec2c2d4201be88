import assert from "node:assert/strict";
import { relative } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

// A user names types when calling the library: the input of a search, the result of a turn, the service
// a helper takes. Each type the entry points reach (through exported functions, classes and interfaces,
// and the public members of each, transitively) must be exported by name from one of them, or the user
// is left writing `Engram["memories"]` and `Parameters<…>[1]`.

const root = fileURLToPath(new URL("..", import.meta.url));
const ENTRY_POINTS = [
  "src/index.ts",
  "src/server/index.ts",
  "src/test/index.ts",
  "src/client/index.ts",
  "src/ai-sdk/index.ts",
];

interface Walk {
  /** Types reached, by name. */
  reached: Set<string>;
  /** Types reached but exported by no entry point: name (file) ← where it was met. */
  unexported: string[];
  /** What each entry point exports, by name. */
  exports: Map<string, Set<string>>;
}

function walkPublicApi(): Walk {
  const config = ts.getParsedCommandLineOfConfigFile(
    `${root}tsconfig.json`,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
      },
    },
  );
  assert.ok(config, "tsconfig.json parses");
  const entries = ENTRY_POINTS.map((path) => `${root}${path}`);
  const program = ts.createProgram(entries, { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const resolve = (symbol: ts.Symbol) =>
    symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const own = (node: ts.Node) => node.getSourceFile().fileName.startsWith(`${root}src/`);

  const exported = new Set<ts.Symbol>();
  const valueExported = new Set<ts.Symbol>();
  const exports = new Map<string, Set<string>>();
  for (const [i, entry] of entries.entries()) {
    const source = program.getSourceFile(entry);
    const module = source && checker.getSymbolAtLocation(source);
    assert.ok(module, `${entry} is a module`);
    const names = new Set<string>();
    for (const symbol of checker.getExportsOfModule(module)) {
      names.add(symbol.name);
      const target = resolve(symbol);
      exported.add(target);
      const typeOnly = symbol.declarations?.some((d) => ts.isTypeOnlyImportOrExportDeclaration(d)) ?? false;
      if (!typeOnly) valueExported.add(target);
    }
    exports.set(ENTRY_POINTS[i] as string, names);
  }

  const reached = new Set<ts.Symbol>();
  const unexported = new Map<ts.Symbol, Set<string>>();
  const queue: ts.Symbol[] = [...exported];

  const reach = (symbol: ts.Symbol, from: string, byTypeof = false) => {
    const declaration = symbol.declarations?.[0];
    if (declaration === undefined || !own(declaration) || symbol.flags & ts.SymbolFlags.TypeParameter) return;
    // `typeof schema` in a type (e.g. `z.input<typeof searchInput>`) uses a value the user need not name.
    if (!byTypeof && !exported.has(symbol)) {
      const sites = unexported.get(symbol) ?? new Set<string>();
      sites.add(from);
      unexported.set(symbol, sites);
    }
    if (!reached.has(symbol)) queue.push(symbol);
  };

  // Inferred types (a method with no return annotation) are followed through the checker.
  const reachType = (type: ts.Type, from: string, depth = 0): void => {
    if (depth > 4) return;
    if (type.aliasSymbol !== undefined) {
      reach(type.aliasSymbol, from);
      for (const argument of type.aliasTypeArguments ?? []) reachType(argument, from, depth + 1);
      return;
    }
    if (type.isUnionOrIntersection()) {
      for (const member of type.types) reachType(member, from, depth + 1);
      return;
    }
    if (!(type.flags & ts.TypeFlags.Object)) return;
    const object = type as ts.ObjectType;
    if (object.objectFlags & ts.ObjectFlags.Reference)
      for (const argument of checker.getTypeArguments(object as ts.TypeReference))
        reachType(argument, from, depth + 1);
    const symbol = type.getSymbol();
    if (symbol !== undefined && symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class)) {
      reach(symbol, from);
    } else if (object.objectFlags & ts.ObjectFlags.Anonymous) {
      for (const property of type.getProperties())
        if (property.valueDeclaration !== undefined)
          reachType(checker.getTypeOfSymbolAtLocation(property, property.valueDeclaration), from, depth + 1);
      for (const signature of type.getCallSignatures()) reachType(signature.getReturnType(), from, depth + 1);
    }
  };

  const hidden = (node: ts.Node): boolean => {
    const modifiers = ts.canHaveModifiers(node) ? (ts.getModifiers(node) ?? []) : [];
    if (
      modifiers.some(
        (m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword,
      )
    )
      return true;
    const name = (node as { name?: ts.Node }).name;
    return name !== undefined && ts.isPrivateIdentifier(name);
  };

  const visit = (node: ts.Node, from: string): void => {
    if (hidden(node) || ts.isBlock(node)) return; // private members and function bodies are not the API
    if (
      (ts.isMethodDeclaration(node) || ts.isFunctionDeclaration(node) || ts.isGetAccessorDeclaration(node)) &&
      node.type === undefined
    ) {
      const signature = checker.getSignatureFromDeclaration(node);
      if (signature !== undefined) reachType(signature.getReturnType(), from);
    }
    if ((ts.isPropertyDeclaration(node) || ts.isVariableDeclaration(node)) && node.type === undefined)
      reachType(checker.getTypeAtLocation(node), from);
    if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node) || ts.isTypeQueryNode(node)) {
      const name = ts.isTypeReferenceNode(node)
        ? node.typeName
        : ts.isTypeQueryNode(node)
          ? node.exprName
          : node.expression;
      const symbol = checker.getSymbolAtLocation(name);
      if (symbol !== undefined) reach(resolve(symbol), from, ts.isTypeQueryNode(node));
    }
    ts.forEachChild(node, (child) => visit(child, from));
  };

  for (let symbol = queue.shift(); symbol !== undefined; symbol = queue.shift()) {
    if (reached.has(symbol)) continue;
    reached.add(symbol);
    for (const declaration of symbol.declarations ?? []) {
      if (!own(declaration)) continue;
      if (ts.isClassDeclaration(declaration)) {
        // A class exported only as a type cannot be constructed by a user: its constructor is not API.
        for (const member of declaration.members)
          if (!ts.isConstructorDeclaration(member) || valueExported.has(symbol))
            visit(member, `${symbol.name}.${member.name?.getText() ?? "constructor"}`);
        for (const clause of declaration.heritageClauses ?? []) visit(clause, symbol.name);
      } else {
        visit(declaration, symbol.name);
      }
    }
  }

  return {
    reached: new Set([...reached].map((symbol) => symbol.name)),
    unexported: [...unexported].map(([symbol, sites]) => {
      const file = relative(root, symbol.declarations?.[0]?.getSourceFile().fileName ?? "?");
      return `${symbol.name} (${file}) ← ${[...sites].slice(0, 3).join(", ")}`;
    }),
    exports,
  };
}

describe("the public API", () => {
  const walk = walkPublicApi();

  it("exports by name every type its entry points reach", () => {
    assert.deepEqual(
      walk.unexported.sort(),
      [],
      "export these from src/index.ts (or the entry point they belong to)",
    );
  });

  it("reaches the services behind Engram and the types their methods take and return", () => {
    for (const name of ["MemoryService", "AgentRuntime", "SearchInput", "TurnResult", "MemoryInput", "Store"])
      assert.ok(walk.reached.has(name), `the walk reaches ${name}`);
  });

  it("names the types users write most from the package's main entry point", () => {
    const main = walk.exports.get("src/index.ts") ?? new Set();
    for (const name of [
      "createEngram",
      "Engram",
      "SearchInput",
      "TurnResult",
      "MemoryService",
      "AgentRuntime",
    ])
      assert.ok(main.has(name), `engram exports ${name}`);
  });

  it("names the client and its error classes from engram/client", () => {
    const client = walk.exports.get("src/client/index.ts") ?? new Set();
    for (const name of ["createClient", "EngramClient", "ClientOptions", "EngramError", "NotFoundError"])
      assert.ok(client.has(name), `engram/client exports ${name}`);
  });
});
