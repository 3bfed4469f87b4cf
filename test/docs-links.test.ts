/**
 * The documentation's links lead somewhere: every relative link in README.md, CONTRIBUTING.md,
 * BENCHMARKS.md and docs/*.md names a file that exists, and every `#anchor` a heading of the page it
 * points to, by the slug GitHub gives that heading. Links to other sites (http, https, mailto) are
 * not followed. Every file in docs/ is linked from some page, so that none is left where no reader
 * finds it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

const ROOT = join(__dirname, "..");
const DOCS = join(ROOT, "docs");

const PAGES = [
  "README.md",
  "CONTRIBUTING.md",
  "BENCHMARKS.md",
  ...readdirSync(DOCS)
    .filter((file) => file.endsWith(".md"))
    .sort()
    .map((file) => `docs/${file}`),
];

/** The page's lines outside fenced code blocks, with inline code spans blanked out. */
function proseLines(text: string): string[] {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of text.split("\n")) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      lines.push("");
      continue;
    }
    if (marker) {
      fence = marker;
      lines.push("");
      continue;
    }
    lines.push(line.replace(/(`+)[\s\S]*?\1/g, (span) => " ".repeat(span.length)));
  }
  return lines;
}

/** The heading's text as GitHub shows it: inline code, links and emphasis reduced to their words. */
function headingText(markdown: string): string {
  return markdown
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/`+([^`]*)`+/g, "$1")
    .replace(/\*+([^*]+)\*+/g, "$1")
    .replace(/<[^>]+>/g, "")
    .trim();
}

/**
 * The anchor GitHub gives a heading (github-slugger): lower case, every character that is not a
 * letter, a digit, a space, `-` or `_` dropped, and each space made a `-`.
 */
function githubSlug(heading: string): string {
  return headingText(heading)
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** The anchors a Markdown page has: one per heading (a repeated one gets -1, -2, ...), and HTML ids. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  // Headings are read with their code spans, which proseLines blanks out: only fences are skipped here.
  const raw = text.split("\n");
  proseLines(text).forEach((prose, n) => {
    if (!/^#{1,6}\s/.test(prose)) return;
    const slug = githubSlug(raw[n].replace(/^#{1,6}\s+/, "").replace(/\s+#+\s*$/, ""));
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count ? `${slug}-${count}` : slug);
  });
  for (const match of text.matchAll(/<a\s[^>]*(?:id|name)="([^"]+)"/g)) anchors.add(match[1]);
  return anchors;
}

interface Link {
  readonly page: string;
  readonly line: number;
  readonly target: string;
}

/** Every link and image in a page's text, outside code: inline `[text](target)`, and `[label]: target` definitions. */
function linksIn(page: string, text: string): Link[] {
  const links: Link[] = [];
  proseLines(text).forEach((line, n) => {
    const inline =
      /!?\[(?:[^[\]]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+"[^"]*")?\s*\)/g;
    for (const match of line.matchAll(inline))
      links.push({ page, line: n + 1, target: match[1].replace(/^<|>$/g, "") });
    const definition = /^\s{0,3}\[[^\]]+\]:\s*(\S+)/.exec(line);
    if (definition) links.push({ page, line: n + 1, target: definition[1].replace(/^<|>$/g, "") });
  });
  return links;
}

const linksOf = (page: string): Link[] => linksIn(page, readFileSync(join(ROOT, page), "utf8"));

const isExternal = (target: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(target);

/** Why the link leads nowhere, or undefined when it leads to a file and heading that exist. */
function problemWith(link: Link): string | undefined {
  const hash = link.target.indexOf("#");
  const path = decodeURIComponent(hash < 0 ? link.target : link.target.slice(0, hash));
  const anchor = hash < 0 ? undefined : decodeURIComponent(link.target.slice(hash + 1));
  const file = path ? normalize(join(dirname(join(ROOT, link.page)), path)) : join(ROOT, link.page);
  if (relative(ROOT, file).startsWith("..")) return "leads outside the repository";
  if (!existsSync(file)) return `${relative(ROOT, file)} does not exist`;
  if (anchor === undefined) return undefined;
  if (statSync(file).isDirectory() || !file.endsWith(".md"))
    return /^L[0-9]+(-L[0-9]+)?$/.test(anchor) ? undefined : `${relative(ROOT, file)} has no headings`;
  if (!anchorsOf(readFileSync(file, "utf8")).has(anchor))
    return `${relative(ROOT, file)} has no heading whose anchor is #${anchor}`;
  return undefined;
}

test("a heading's anchor is the one GitHub gives it", () => {
  expect(githubSlug("`HttpResetPeerFault` props")).toBe("httpresetpeerfault-props");
  expect(githubSlug("Why TPROXY, and what the host's firewall sees")).toBe(
    "why-tproxy-and-what-the-hosts-firewall-sees",
  );
  expect(githubSlug("8. Cost per experiment")).toBe("8-cost-per-experiment");
  expect(githubSlug("Stop conditions (item 11)")).toBe("stop-conditions-item-11");
  expect(githubSlug("What it does, and for whom")).toBe("what-it-does-and-for-whom");
  expect([...anchorsOf("# A\n\n```sh\n# not a heading\n```\n\n## A\n")]).toEqual(["a", "a-1"]);
});

test("links are found in prose and tables, and not in code", () => {
  const text = [
    "See [the input](../README.md#input) and ![a picture](report-page.png).",
    '| a | [a cell](iam.md "IAM") |',
    "`[not a link](nowhere.md)`",
    "```md",
    "[nor this](nowhere.md)",
    "```",
    "[label]: operating.md#schedules",
  ].join("\n");
  expect(linksIn("docs/example.md", text).map((link) => [link.line, link.target])).toEqual([
    [1, "../README.md#input"],
    [1, "report-page.png"],
    [2, "iam.md"],
    [7, "operating.md#schedules"],
  ]);
});

test("the README links to its own sections and to the pages in docs/", () => {
  const targets = linksOf("README.md").map((link) => link.target);
  expect(targets).toContain("#input");
  expect(targets.filter((target) => target.startsWith("docs/")).length).toBeGreaterThan(5);
});

test.each(PAGES)("every relative link in %s leads to a file and a heading that exist", (page) => {
  const broken = linksOf(page)
    .filter((link) => !isExternal(link.target))
    .map((link) => ({ link, problem: problemWith(link) }))
    .filter(({ problem }) => problem)
    .map(({ link, problem }) => `${link.page}:${link.line}: (${link.target}) ${problem}`);
  expect(broken).toEqual([]);
});

test("every file in docs/ is linked from a page", () => {
  const linked = new Set(
    PAGES.flatMap(linksOf)
      .filter((link) => !isExternal(link.target) && !link.target.startsWith("#"))
      .map((link) => normalize(join(dirname(link.page), link.target.split("#")[0]))),
  );
  const unlinked = readdirSync(DOCS)
    .map((file) => `docs/${file}`)
    .filter((file) => !linked.has(file));
  expect(unlinked).toEqual([]);
});
