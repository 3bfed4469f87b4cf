import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");

export interface Snippet {
  /** The page the snippet is on, from the repository's root: README.md, or docs/<page>.md. */
  readonly page: string;
  /** The heading the snippet stands under. */
  readonly section: string;
  readonly code: string;
}

/** One page's code blocks in one language, in order. */
function pageSnippets(page: string, language: string): Snippet[] {
  const text = readFileSync(join(ROOT, page), "utf8");
  const snippets: Snippet[] = [];
  let section = "";
  const fence = new RegExp("^```" + language + "$");
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith("#")) section = lines[i].replace(/^#+ /, "");
    if (!fence.test(lines[i])) continue;
    const end = lines.indexOf("```", i + 1);
    snippets.push({ page, section, code: lines.slice(i + 1, end).join("\n") });
    i = end;
  }
  return snippets;
}

/**
 * The code blocks in one language of the README, in order, then of each page in docs/, by file
 * name. The README's first TypeScript block is the quick start, a whole app; every other one is a
 * fragment that is checked after it, with its names in scope.
 */
export function readmeSnippets(language: string): Snippet[] {
  const docs = readdirSync(join(ROOT, "docs"))
    .filter((file) => file.endsWith(".md"))
    .sort()
    .map((file) => `docs/${file}`);
  return ["README.md", ...docs].flatMap((page) => pageSnippets(page, language));
}
