// A ```js block of the README, marked <!-- name:start --> … <!-- name:end -->,
// for the tests that run or type-check the README's examples as written.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../scripts/serve.mjs";

export function readmeBlock(name) {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const match = new RegExp(`<!-- ${name}:start -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!match) throw new Error(`README.md has no <!-- ${name}:start --> js block`);
  return match[1];
}
