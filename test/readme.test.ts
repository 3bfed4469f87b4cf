/** The SSM document's parameter table says what the document does, and the README's install section what the package needs. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DOCUMENT_PARAMETERS } from "../scripts/render-document";

const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
const documentPage = readFileSync(join(__dirname, "..", "docs", "ssm-document.md"), "utf8");

test.each(DOCUMENT_PARAMETERS.map((p) => [p.name, p.default]))(
  "docs/ssm-document.md lists document parameter %s with its default",
  (name, defaultValue) => {
    const row = documentPage.split("\n").find((l) => l.split("|")[1]?.trim() === `\`${name}\``);
    expect(row).toBeDefined();
    expect(row!.split("|")[2].trim()).toBe(defaultValue ? `\`${defaultValue}\`` : "(empty)");
  },
);

test("the README's install section names the peer ranges the package declares", () => {
  const { peerDependencies } = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8"));
  for (const [name, range] of Object.entries(peerDependencies))
    expect(readme).toContain(`\`${name}\` (\`${range}\`)`);
});
