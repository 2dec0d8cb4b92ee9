// The full page: one playground, whose pipeline a shared link's fragment
// restores, and whose Share button writes the fragment into the address.

import { Playground } from "./playground.js";

const app = document.querySelector("#app");
const playground = new Playground(app, { fragment: location.hash, preset: new URLSearchParams(location.search).get("preset") ?? undefined });
// A handle for the benchmarks and for poking at it from the console.
app.playground = playground;
playground
  .start()
  .then(() => performance.mark("pipewright-ready"))
  .catch((error) => {
    const status = app.querySelector("#status");
    status.className = "error";
    status.textContent = `Could not start: ${error.message ?? error}`;
    console.error(error);
  });
