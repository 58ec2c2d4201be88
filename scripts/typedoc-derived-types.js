// A TypeDoc plugin for types derived from values: `z.input<typeof searchInput>` or
// `(typeof AUTHORS)[number]`. Documented as written, such an alias shows only the expression; documented
// by the type the checker computes (TypeDoc's `@useDeclaredType`), it shows the fields with their doc
// comments, or the union of literals, which is what a reader needs.
import { Comment, Converter, ReflectionKind, TypeScript as ts } from "typedoc";

/** @param {import("typedoc").Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (reflection.kind !== ReflectionKind.TypeAlias) return;
    const declaration = context
      .getSymbolFromReflection(reflection)
      ?.declarations?.find((node) => ts.isTypeAliasDeclaration(node));
    if (declaration === undefined || !mentionsTypeof(declaration.type)) return;
    reflection.comment ??= new Comment();
    reflection.comment.modifierTags.add("@useDeclaredType");
  });
}

/** @param {import("typescript").Node} node */
function mentionsTypeof(node) {
  return ts.isTypeQueryNode(node) || ts.forEachChild(node, mentionsTypeof) === true;
}
