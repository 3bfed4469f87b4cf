/**
 * A PNG of a report page (report.html) as headless Chromium shows it, the whole page at
 * PAGE_WIDTH pixels wide: `npx tsx scripts/report-screenshot.ts <report.html> <out.png>`.
 * Needs Debian's chromium package, as the tests do; fails when the page errs or asks for anything.
 */
import { PAGE_WIDTH, withPage } from "../test/support/chromium";

async function main(args: string[]): Promise<void> {
  const [htmlPath, pngPath, ...rest] = args;
  if (!htmlPath || !pngPath || rest.length || !pngPath.endsWith(".png")) {
    throw new Error("usage: npx tsx scripts/report-screenshot.ts <report.html> <out.png>");
  }
  await withPage(htmlPath, async (page) => {
    // A screenshot of a page that is broken, or not self-contained, would show what no reader sees.
    const problems = [...page.errors, ...page.requests.map((url) => `requested ${url}`)];
    if (problems.length) throw new Error(`${htmlPath} is not a self-contained page:\n${problems.join("\n")}`);
    await page.screenshot(pngPath);
  });
  console.log(`${pngPath}: ${htmlPath} at ${PAGE_WIDTH} px wide`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
