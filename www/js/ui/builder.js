// The pipeline builder: one editor per stage, generated from the catalogue,
// so a stage added in Rust appears here with no page change. Every string
// shown comes from the catalogue or the user and goes in as text, never HTML.

import { parseParam, stageSpec, stagesOf } from "../model.js";

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "text") node.textContent = v;
    else if (k in node) node[k] = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

const PLACEMENT = new Set(["worker", "pool", "inFlight", "maxRestarts", "crashAt", "crashWorker", "crashEvery", "jitterMs"]);

function paramInput(id, param, value) {
  if (param.type === "blob") {
    return el("input", { id, type: "file" });
  }
  if (param.type === "boolean") {
    return el("input", { id, type: "checkbox", checked: Boolean(value) });
  }
  if (param.type === "choice") {
    const select = el("select", { id });
    for (const c of param.choices) select.append(el("option", { value: c, text: c, selected: c === value }));
    return select;
  }
  if (param.type === "integer" || param.type === "number") {
    const input = el("input", { id, type: "number", value: String(value), inputMode: "decimal" });
    if (param.min !== undefined) input.min = String(param.min);
    if (param.max !== undefined) input.max = String(param.max);
    input.step = param.type === "integer" ? "1" : "any";
    return input;
  }
  return el("input", { id, type: "text", value: String(value) });
}

// One stage's editor. `prefix` makes the element ids (`source`, `sink`,
// `stage-2`). `state` is { info, values } and is updated in place.
function stageEditor(catalog, role, prefix, state, legend, extra = []) {
  const box = el("fieldset", { className: `stage ${role}` });
  box.append(el("legend", { text: legend }));
  const kind = el("select", { id: `${prefix}-kind`, "aria-label": `${legend} kind` });
  for (const s of stagesOf(catalog, role)) {
    kind.append(el("option", { value: s.kind, text: s.title, selected: s.kind === state.info.kind }));
  }
  box.append(el("div", { className: "stage-head" }, kind, ...extra));
  const summary = el("p", { className: "summary" });
  const params = el("div", { className: "params" });
  box.append(summary, params);

  // Where a transform runs, and its fault injection, fold away under the
  // stage's own options.
  const advanced = el("details", { className: "advanced" }, el("summary", { text: "Placement and fault injection" }));
  const advancedParams = el("div", { className: "params" });
  advanced.append(advancedParams);
  box.append(advanced);

  function renderParams() {
    summary.textContent = state.info.summary;
    params.replaceChildren();
    advancedParams.replaceChildren();
    advanced.hidden = !state.info.params.some((p) => PLACEMENT.has(p.name));
    for (const p of state.info.params) {
      if (!(p.name in state.values) && p.default !== null) state.values[p.name] = p.default;
      const id = `${prefix}-${p.name}`;
      const input = paramInput(id, p, state.values[p.name]);
      input.title = p.help;
      input.addEventListener(p.type === "blob" ? "change" : "input", () => {
        state.values[p.name] = p.type === "blob" ? input.files[0] : parseParam(p, input.value, input.checked);
      });
      (PLACEMENT.has(p.name) ? advancedParams : params).append(el("label", { htmlFor: id }, p.name, input));
    }
  }
  kind.addEventListener("change", () => {
    state.info = catalog.find((s) => s.role === role && s.kind === kind.value);
    state.values = {};
    renderParams();
  });
  renderParams();
  return box;
}

function stateFor(catalog, role, spec) {
  const info = catalog.find((s) => s.role === role && s.kind === spec.kind) ?? stagesOf(catalog, role)[0];
  const values = { ...spec };
  delete values.kind;
  return { info, values };
}

export class Builder {
  constructor(catalog, root, spec) {
    this.catalog = catalog;
    this.root = root;
    this.load(spec);
    const add = root.querySelector("#add-kind");
    for (const s of stagesOf(catalog, "transform")) add.append(el("option", { value: s.kind, text: s.title }));
    root.querySelector("#add-transform").addEventListener("click", () => {
      this.stages.push(stateFor(catalog, "transform", { kind: add.value }));
      this.renderTransforms();
      root.querySelector(`#stage-${this.stages.length - 1}-kind`).focus();
    });
  }

  load(spec) {
    this.source = stateFor(this.catalog, "source", spec.source);
    this.stages = (spec.stages ?? []).map((s) => stateFor(this.catalog, "transform", s));
    this.sink = stateFor(this.catalog, "sink", spec.sink);
    this.root.querySelector("#source-slot").replaceChildren(stageEditor(this.catalog, "source", "source", this.source, "Source"));
    this.root.querySelector("#sink-slot").replaceChildren(stageEditor(this.catalog, "sink", "sink", this.sink, "Sink"));
    this.renderTransforms();
  }

  renderTransforms() {
    const list = this.root.querySelector("#transforms");
    list.replaceChildren();
    this.stages.forEach((state, i) => {
      const name = `Transform ${i + 1}`;
      const move = (delta, label, text) => {
        const b = el("button", { type: "button", text, "aria-label": `${label} ${name}`, disabled: !this.stages[i + delta] });
        b.addEventListener("click", () => {
          [this.stages[i], this.stages[i + delta]] = [this.stages[i + delta], this.stages[i]];
          this.renderTransforms();
        });
        return b;
      };
      const remove = el("button", { type: "button", text: "✕", "aria-label": `Remove ${name}` });
      remove.addEventListener("click", () => {
        this.stages.splice(i, 1);
        this.renderTransforms();
        this.root.querySelector("#add-kind").focus();
      });
      const editor = stageEditor(this.catalog, "transform", `stage-${i}`, state, name, [
        move(-1, "Move up", "↑"),
        move(1, "Move down", "↓"),
        remove,
      ]);
      list.append(el("li", {}, editor));
    });
  }

  spec() {
    return {
      source: stageSpec(this.source.info, this.source.values),
      stages: this.stages.map((s) => stageSpec(s.info, s.values)),
      sink: stageSpec(this.sink.info, this.sink.values),
    };
  }
}
