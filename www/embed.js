// <pipewright-playground>: the playground as one tag for docs sites.
//
//   <script type="module" src="…/embed.js"></script>
//   <pipewright-playground preset="slow-consumer" compact autorun></pipewright-playground>
//
// Attributes: `preset` (an id), `spec` (a pipeline spec as JSON), `compact`
// (the builder folded, no charts or event log), `autorun`, and `fragment`
// (a `#spec=…` to restore, as embed.html passes on). Each element renders in
// its own shadow root, so several on a page keep their own ids, styles and
// runs, and each fills the width of its container. The element is defined
// before any of the playground loads (js/boot.js), so a reader whose browser
// cannot load a part of it sees what failed, not an empty box.

import { startPlayground } from "./js/boot.js";

const here = new URL(".", import.meta.url);

class PipewrightPlayground extends HTMLElement {
  connectedCallback() {
    if (this.shadowRoot) {
      // Back in the page after a removal: its meter runs again.
      this.playground?.resume();
      return;
    }
    const shadow = this.attachShadow({ mode: "open" });
    for (const sheet of ["vendor/uPlot.min.css", "css/style.css"]) {
      const link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = new URL(sheet, here).href;
      shadow.append(link);
    }
    const loading = document.createElement("p");
    loading.className = "boot";
    loading.setAttribute("role", "status");
    loading.textContent = "Loading the playground…";
    shadow.append(loading);
    startPlayground(
      shadow,
      {
        preset: this.getAttribute("preset") ?? undefined,
        spec: this.getAttribute("spec") ?? undefined,
        fragment: this.getAttribute("fragment") ?? undefined,
        compact: this.hasAttribute("compact"),
        autorun: this.hasAttribute("autorun"),
        shareBase: new URL("index.html", here).href,
      },
      loading,
    ).then((playground) => {
      if (!playground) return;
      loading.remove();
      this.playground = playground;
      // For the startup benchmark: when each embed became usable.
      performance.mark("pipewright-embed-ready");
      if (!this.isConnected) playground.stop();
    });
  }

  // Removed from the page: stop its run, meter and observers. (A move
  // within the page, removed and inserted in one task, is not a removal.)
  disconnectedCallback() {
    queueMicrotask(() => {
      if (!this.isConnected) this.playground?.stop();
    });
  }
}

if (!customElements.get("pipewright-playground")) customElements.define("pipewright-playground", PipewrightPlayground);
