import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface Snippet {
  /** The heading the snippet stands under. */
  readonly section: string;
  readonly code: string;
}

/** The README's code blocks in one language, in order. */
export function readmeSnippets(language: string): Snippet[] {
  const readme = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");
  const snippets: Snippet[] = [];
  let section = "";
  const fence = new RegExp("^```" + language + "$");
  const lines = readme.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith("#")) section = lines[i].replace(/^#+ /, "");
    if (!fence.test(lines[i])) continue;
    const end = lines.indexOf("```", i + 1);
    snippets.push({ section, code: lines.slice(i + 1, end).join("\n") });
    i = end;
  }
  return snippets;
}
