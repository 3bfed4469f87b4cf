/** The README's parameter table says what the document does. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DOCUMENT_PARAMETERS } from "../scripts/render-document";

const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");

test.each(DOCUMENT_PARAMETERS.map((p) => [p.name, p.default]))(
  "the README lists document parameter %s with its default",
  (name, defaultValue) => {
    const row = readme.split("\n").find((l) => l.split("|")[1]?.trim() === `\`${name}\``);
    expect(row).toBeDefined();
    expect(row!.split("|")[2].trim()).toBe(defaultValue ? `\`${defaultValue}\`` : "(empty)");
  },
);
