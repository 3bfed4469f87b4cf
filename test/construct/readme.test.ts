import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TUNABLES } from "../../lib/tunables";

const readme = readFileSync(join(__dirname, "../../README.md"), "utf8");

test("the README's input table matches the tunables' one definition", () => {
  const rows = readme
    .split("\n")
    .filter((line) => /^\| `[A-Z0-9_]+` +\|/.test(line))
    .map((line) => line.split("|").map((cell) => cell.trim()));
  const expected = Object.values(TUNABLES).map((t) => [
    "",
    `\`${t.key}\``,
    t.default === "" ? '`""`' : `\`${t.default}\``,
    t.description,
    "",
  ]);
  expect(rows).toEqual(expected);
});
