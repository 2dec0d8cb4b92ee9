// <pipewright-playground>: the playground as one tag for docs sites.
//
//   <script type="module" src="…/embed.js"></script>
//   <pipewright-playground preset="slow-consumer" compact autorun></pipewright-playground>
//
// Attributes: `preset` (an id), `spec` (a pipeline spec as JSON), `compact`
// (the builder folded, no charts or event log), `autorun`, and `fragment`
// (a `#spec=…` to restore, as embed.html passes on). Each element renders in
// its own shadow root, so several on a page keep their own ids, styles and
// runs, and each fills the width of its container.

import { Playground } from "./js/playground.js";

const here = new URL(".", import.meta.url);

class PipewrightPlayground extends HTMLElement {
  connectedCallback() {
    if (this.playground) return;
    const shadow = this.attachShadow({ mode: "open" });
    for (const sheet of ["vendor/uPlot.min.css", "css/style.css"]) {
      const link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = new URL(sheet, here).href;
      shadow.append(link);
    }
    this.playground = new Playground(shadow, {
      preset: this.getAttribute("preset") ?? undefined,
      spec: this.getAttribute("spec") ?? undefined,
      fragment: this.getAttribute("fragment") ?? undefined,
      compact: this.hasAttribute("compact"),
      autorun: this.hasAttribute("autorun"),
      shareBase: new URL("index.html", here).href,
    });
    this.playground.start().catch((error) => {
      const status = shadow.querySelector("#status");
      status.className = "error";
      status.textContent = `Could not start: ${error.message ?? error}`;
      console.error(error);
    });
  }
}

if (!customElements.get("pipewright-playground")) customElements.define("pipewright-playground", PipewrightPlayground);
