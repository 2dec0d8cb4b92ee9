// The set-up script is idempotent: `npm test` has just run it, so a second
// run finds everything present and installs nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

test("a second run of scripts/setup.sh installs nothing", () => {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const out = execFileSync("bash", ["scripts/setup.sh"], { cwd: root, encoding: "utf8" });
  assert.equal(out, "setup: nothing to install\n");
});
