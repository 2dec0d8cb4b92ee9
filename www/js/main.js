// The full page: one playground, whose pipeline a shared link's fragment
// restores, and whose Share button writes the fragment into the address.

import { startPlayground } from "./boot.js";

const app = document.querySelector("#app");
const loading = app.querySelector(".boot");
const playground = await startPlayground(
  app,
  { fragment: location.hash, preset: new URLSearchParams(location.search).get("preset") ?? undefined },
  loading,
);
if (playground) {
  loading.remove();
  // A handle for the benchmarks and for poking at it from the console.
  app.playground = playground;
  performance.mark("pipewright-ready");
}
