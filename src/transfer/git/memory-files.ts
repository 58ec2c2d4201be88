import type { Insight, Memory } from "../../core/types.ts";

/** A file of the memories branch. */
export interface MemoryFile {
  path: string;
  text: string;
}

/**
 * Memories and insights as Markdown files with a front matter of their fields (JSON values, which
 * YAML readers take as they are): `memories/ID.md`, archived ones under `memories/archived/`, and
 * `insights/ID.md`. Sorted by path, so an unchanged agent writes identical files.
 */
export function memoryFiles(memories: readonly Memory[], insights: readonly Insight[]): MemoryFile[] {
  const files: MemoryFile[] = [];
  for (const m of memories) {
    const fields: Record<string, unknown> = {
      id: m.id,
      kind: m.kind,
      userId: m.userId,
      tags: m.tags,
      importance: m.importance,
      validFrom: m.validFrom,
      validTo: m.validTo,
      key: m.key,
      version: m.version,
      createdAt: m.createdAt,
      updatedAt: m.updatedAt,
      archivedAt: m.archivedAt,
      metadata: m.metadata,
    };
    const folder = m.archivedAt === null ? "memories" : "memories/archived";
    files.push({ path: `${folder}/${m.id}.md`, text: withFrontMatter(fields, m.text) });
  }
  for (const i of insights) {
    const fields = { id: i.id, support: i.count, createdAt: i.createdAt, updatedAt: i.updatedAt };
    files.push({ path: `insights/${i.id}.md`, text: withFrontMatter(fields, i.text) });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}

function withFrontMatter(fields: Record<string, unknown>, body: string): string {
  const lines = Object.entries(fields).map(([key, value]) => `${key}: ${JSON.stringify(value)}`);
  return `---\n${lines.join("\n")}\n---\n${body}\n`;
}
