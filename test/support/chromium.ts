/**
 * Headless Chromium, for tests that look at a page as a browser shows it: Debian's chromium
 * package (scripts/test.sh installs it), driven by puppeteer-core, which downloads no browser.
 *
 * puppeteer-core is an ES module, and Jest's module loader loads none before Node 24.9; so the
 * browser is driven from a child Node process that runs this same file under tsx, spoken to in
 * lines of JSON on its stdin and stdout. The child closes the browser when asked, and when its
 * stdin ends: a test that fails, or a Jest that dies, leaves no browser behind.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "puppeteer-core";

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** The page's width, as a screenshot has it. */
export const PAGE_WIDTH = 1200;

export interface PageOptions {
  /** The viewport's width in CSS pixels; PAGE_WIDTH by default. */
  readonly width?: number;
  /** The browser to run; CHROMIUM by default. */
  readonly executablePath?: string;
}

/** What loading the page showed. */
export interface PageLoad {
  /** Uncaught exceptions and console errors, in the order they came. */
  readonly errors: string[];
  /** Every URL the page asked for besides itself, each refused: a self-contained page asks for none. */
  readonly requests: string[];
  /** The `data-instance-id` of each timeline row (`svg g[data-instance-id]`), in document order. */
  readonly instanceRows: string[];
}

export interface OpenPage extends PageLoad {
  /** How many elements match a CSS selector. */
  count(selector: string): Promise<number>;
  /** The text content of the first element matching a CSS selector; null when none does. */
  text(selector: string): Promise<string | null>;
  /** A PNG of the whole page, at the viewport's width. */
  screenshot(pngPath: string): Promise<void>;
  /** Closes the browser; again is harmless. */
  close(): Promise<void>;
}

type Request =
  | { readonly op: "open"; readonly url: string; readonly width: number; readonly executablePath: string }
  | { readonly op: "count"; readonly selector: string }
  | { readonly op: "text"; readonly selector: string }
  | { readonly op: "screenshot"; readonly path: string }
  | { readonly op: "close" };

type Reply = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

const ROOT = join(__dirname, "..", "..");

/** What tells this file, run as a program, that it is the child. */
const DRIVER = "--chromium-driver";

/**
 * Opens an HTML file in headless Chromium. Fails, rather than letting a test skip, when Chromium
 * is missing: a check of the page that never ran would pass unseen.
 */
export async function openPage(htmlPath: string, options: PageOptions = {}): Promise<OpenPage> {
  const executablePath = options.executablePath ?? CHROMIUM;
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium is not installed (no ${executablePath}): install Debian's chromium package ` +
        "(apt-get install --no-install-recommends chromium), as scripts/test.sh does when run as root",
    );
  }
  const driver = new Driver();
  try {
    const load = (await driver.ask({
      op: "open",
      url: pathToFileURL(resolve(htmlPath)).href,
      width: options.width ?? PAGE_WIDTH,
      executablePath,
    })) as PageLoad;
    return {
      ...load,
      count: async (selector) => (await driver.ask({ op: "count", selector })) as number,
      text: async (selector) => (await driver.ask({ op: "text", selector })) as string | null,
      screenshot: async (pngPath) => void (await driver.ask({ op: "screenshot", path: resolve(pngPath) })),
      close: () => driver.close(),
    };
  } catch (error) {
    await driver.close();
    throw error;
  }
}

/** Opens a page, hands it to `use`, and closes the browser however `use` ends. */
export async function withPage<T>(
  htmlPath: string,
  use: (page: OpenPage) => Promise<T>,
  options: PageOptions = {},
): Promise<T> {
  const page = await openPage(htmlPath, options);
  try {
    return await use(page);
  } finally {
    await page.close();
  }
}

/** The parent's side: one request at a time, each answered by one line. */
class Driver {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly replies: ((reply: Reply) => void)[] = [];
  private readonly exited: Promise<void>;
  private stderr = "";
  private queue: Promise<unknown> = Promise.resolve();

  constructor() {
    this.child = spawn(process.execPath, ["--import", "tsx", __filename, DRIVER], {
      cwd: ROOT,
      stdio: "pipe",
    });
    // Kept to explain a child that dies; Debian's launcher script complains on stderr even when all is well.
    this.child.stderr.on(
      "data",
      (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4000)),
    );
    createInterface({ input: this.child.stdout }).on("line", (line) => {
      // Only the driver's replies are JSON objects; anything else something printed, kept like stderr.
      if (!line.startsWith("{")) this.stderr += `${line}\n`;
      else this.replies.shift()?.(JSON.parse(line) as Reply);
    });
    this.exited = new Promise((done) =>
      this.child.on("close", (code, signal) => {
        const error = `the Chromium driver exited (${signal ?? code}) before it answered:\n${this.stderr}`;
        for (const reply of this.replies.splice(0)) reply({ ok: false, error });
        done();
      }),
    );
    // "close" follows either, and rejects whatever waits.
    this.child.on("error", () => undefined);
    this.child.stdin.on("error", () => undefined);
  }

  ask(request: Request): Promise<unknown> {
    const answer = this.queue.then(
      () =>
        new Promise<unknown>((resolveAnswer, reject) => {
          if (this.child.exitCode !== null || this.child.signalCode !== null) {
            reject(new Error(`the Chromium driver has exited:\n${this.stderr}`));
            return;
          }
          this.replies.push((reply) =>
            reply.ok ? resolveAnswer(reply.value) : reject(new Error(reply.error)),
          );
          this.child.stdin.write(`${JSON.stringify(request)}\n`);
        }),
    );
    this.queue = answer.catch(() => undefined);
    return answer;
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      await this.ask({ op: "close" }).catch(() => undefined);
      this.child.stdin.end();
    }
    await this.exited;
  }
}

// ---------------------------------------------------------------------------------------------
// The child's side, under tsx: it alone loads puppeteer-core.

async function drive(): Promise<void> {
  const { launch } = await import("puppeteer-core");
  let browser: Browser | undefined;
  let page: Page | undefined;
  const opened = () => {
    if (!page) throw new Error("no page is open");
    return page;
  };

  async function open(url: string, width: number, executablePath: string): Promise<PageLoad> {
    // As root, Chromium runs only without its sandbox; the page is a file of the test's own.
    browser = await launch({
      executablePath,
      headless: true,
      args: ["--no-sandbox", "--disable-dev-shm-usage"],
      defaultViewport: { width, height: 800 },
    });
    page = await browser.newPage();
    const load: PageLoad = { errors: [], requests: [], instanceRows: [] };
    page.on("pageerror", (error) => load.errors.push(`page error: ${String(error)}`));
    page.on("console", (message) => {
      if (message.type() === "error") load.errors.push(`console error: ${message.text()}`);
    });
    // Every request but the page's own is recorded and refused, so that the test loads nothing.
    await page.setRequestInterception(true);
    page.on("request", (request) => {
      if (request.isNavigationRequest() && request.url() === url) return void request.continue();
      load.requests.push(request.url());
      void request.abort();
    });
    await page.goto(url, { waitUntil: "load" });
    load.instanceRows.push(
      ...((await page.evaluate(
        `[...document.querySelectorAll("svg g[data-instance-id]")].map((g) => g.getAttribute("data-instance-id"))`,
      )) as string[]),
    );
    return load;
  }

  async function answer(request: Request): Promise<unknown> {
    switch (request.op) {
      case "open":
        return open(request.url, request.width, request.executablePath);
      case "count":
        return opened().evaluate(`document.querySelectorAll(${JSON.stringify(request.selector)}).length`);
      case "text":
        return opened().evaluate(
          `document.querySelector(${JSON.stringify(request.selector)})?.textContent ?? null`,
        );
      case "screenshot":
        await opened().screenshot({ path: request.path as `${string}.png`, fullPage: true });
        return null;
      case "close":
        await browser?.close();
        browser = undefined;
        page = undefined;
        return null;
    }
  }

  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    let reply: Reply;
    try {
      reply = { ok: true, value: (await answer(JSON.parse(line) as Request)) ?? null };
    } catch (error) {
      reply = { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
    process.stdout.write(`${JSON.stringify(reply)}\n`);
  }
  // The parent is done, or gone.
  await browser?.close();
}

if (process.argv[2] === DRIVER) {
  drive().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
