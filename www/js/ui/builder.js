// The pipeline builder: one editor per stage, generated from the catalogue,
// so a stage added in Rust appears here with no page change. Every string
// shown comes from the catalogue or the user and goes in as text, never HTML.

import { GENERATOR_LINES } from "../generator.js";
import { fileSource, parseParam, stageSpec, stagesOf } from "../model.js";

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

// Where a transform runs, and its fault injection: the catalogue's
// placement group.
const isPlacement = (param) => param.group === "placement";

function paramInput(id, param, value) {
  if (param.type === "blob") {
    return el("input", { id, type: "file" });
  }
  // The page supplies its own generator; the Code tab shows it.
  if (param.type === "iterable") {
    return el("output", { id, className: "iterable-note", text: `the page's async generator, lines(${GENERATOR_LINES}): the Code tab shows it` });
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
  // A secret is typed unseen, and never filled in by the browser.
  if (param.secret) return el("input", { id, type: "password", value: String(value), autocomplete: "off" });
  return el("input", { id, type: "text", value: String(value) });
}

// One stage's editor. `prefix` makes the element ids (`source`, `sink`,
// `stage-2`). `state` is { info, values } and is updated in place.
function stageEditor(catalog, role, prefix, state, legend, extra, changed) {
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
    advanced.hidden = !state.info.params.some(isPlacement);
    for (const p of state.info.params) {
      // A pool is offered only where the catalogue says chunks may go to
      // any Worker in any order, or the stage pools by independent blocks
      // (gzip); the API refuses `pool` elsewhere.
      if (p.name === "pool" && !state.info.poolable && !state.info.blockPool) continue;
      if (!(p.name in state.values) && p.default !== null) state.values[p.name] = p.default;
      const id = `${prefix}-${p.name}`;
      const input = paramInput(id, p, state.values[p.name]);
      input.title = p.help;
      // The catalogue's help and range, shown while the field has focus.
      const n = (x) => (x === undefined ? "…" : x.toLocaleString("en-US"));
      const range = p.min !== undefined || p.max !== undefined ? ` (${n(p.min)} to ${n(p.max)})` : "";
      const help = el("span", { className: "help", id: `${id}-help`, text: `${p.help}${range}` });
      input.setAttribute("aria-describedby", help.id);
      if (p.type !== "iterable") input.addEventListener(p.type === "blob" ? "change" : "input", () => {
        state.values[p.name] = p.type === "blob" ? input.files[0] : parseParam(p, input.value, input.checked);
        changed();
      });
      (isPlacement(p) ? advancedParams : params).append(el("label", { htmlFor: id }, p.name, input, help));
    }
  }
  kind.addEventListener("change", () => {
    state.info = catalog.find((s) => s.role === role && s.kind === kind.value);
    state.values = {};
    renderParams();
    changed();
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
  // `changed` is called after every edit, so the page can check the spec.
  constructor(catalog, root, spec, changed = () => {}) {
    this.catalog = catalog;
    this.root = root;
    this.changed = changed;
    this.load(spec);
    const add = root.querySelector("#add-kind");
    for (const s of stagesOf(catalog, "transform")) add.append(el("option", { value: s.kind, text: s.title }));
    root.querySelector("#add-transform").addEventListener("click", () => {
      this.stages.push(stateFor(catalog, "transform", { kind: add.value }));
      this.renderTransforms();
      root.querySelector(`#stage-${this.stages.length - 1}-kind`).focus();
      this.changed();
    });
  }

  // Makes the source read `file` (a dropped or picked File): the
  // catalogue's source with a blob param.
  setFile(file) {
    const { info, param } = fileSource(this.catalog);
    const values = this.source.info === info ? this.source.values : {};
    this.load({ ...this.spec(), source: { ...values, kind: info.kind } });
    this.source.values[param] = file;
    // Show it in the file field too, where the browser allows that.
    const input = this.root.querySelector(`#source-${param}`);
    if (input && typeof DataTransfer === "function" && file instanceof File) {
      const dt = new DataTransfer();
      dt.items.add(file);
      input.files = dt.files;
    }
    this.changed();
  }

  // Moves transform `from` to position `to`.
  move(from, to) {
    if (from === to || !this.stages[from] || !this.stages[to]) return;
    const [stage] = this.stages.splice(from, 1);
    this.stages.splice(to, 0, stage);
    this.renderTransforms();
    this.changed();
  }

  // Marks the field a validation error's path names ("stages[1].count",
  // "source.bytes", "stages[2]"); returns the element marked, if any.
  markInvalid(path) {
    for (const node of this.root.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
    const m = /^(source|sink|stages\[(\d+)\])(?:\.(\w+))?/.exec(path ?? "");
    if (!m) return null;
    const prefix = m[2] !== undefined ? `stage-${m[2]}` : m[1];
    const target = this.root.querySelector(`#${prefix}-${m[3] ?? "kind"}`) ?? this.root.querySelector(`#${prefix}-kind`);
    target?.setAttribute("aria-invalid", "true");
    return target;
  }

  load(spec) {
    this.source = stateFor(this.catalog, "source", spec.source);
    this.stages = (spec.stages ?? []).map((s) => stateFor(this.catalog, "transform", s));
    this.sink = stateFor(this.catalog, "sink", spec.sink);
    const changed = () => this.changed();
    this.root.querySelector("#source-slot").replaceChildren(stageEditor(this.catalog, "source", "source", this.source, "Source", [], changed));
    this.root.querySelector("#sink-slot").replaceChildren(stageEditor(this.catalog, "sink", "sink", this.sink, "Sink", [], changed));
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
          this.move(i, i + delta);
          // Keep the keyboard where it was: on the moved stage's button.
          const again = this.root.querySelector(`[aria-label="${label} Transform ${i + delta + 1}"]`);
          (again && !again.disabled ? again : this.root.querySelector(`#stage-${i + delta}-kind`))?.focus();
        });
        return b;
      };
      const remove = el("button", { type: "button", text: "✕", "aria-label": `Remove ${name}` });
      remove.addEventListener("click", () => {
        this.stages.splice(i, 1);
        this.renderTransforms();
        this.root.querySelector("#add-kind").focus();
        this.changed();
      });
      // Drag by the handle to reorder; the ↑/↓ buttons do the same from
      // the keyboard.
      const handle = el("span", { className: "handle", text: "⠿", title: "Drag to reorder", draggable: true, "aria-hidden": "true" });
      const editor = stageEditor(
        this.catalog,
        "transform",
        `stage-${i}`,
        state,
        name,
        [handle, move(-1, "Move up", "↑"), move(1, "Move down", "↓"), remove],
        () => this.changed(),
      );
      const item = el("li", {}, editor);
      item.dataset.index = String(i);
      // Only the handle drags, so text in the fields still selects.
      handle.addEventListener("dragstart", (e) => {
        e.dataTransfer.setData("application/x-pipewright-stage", String(i));
        e.dataTransfer.effectAllowed = "move";
        e.dataTransfer.setDragImage(item, 10, 10);
        item.classList.add("dragging");
      });
      handle.addEventListener("dragend", () => item.classList.remove("dragging"));
      item.addEventListener("dragover", (e) => {
        if (e.dataTransfer.types.includes("application/x-pipewright-stage")) {
          e.preventDefault();
          item.classList.add("drop-target");
        }
      });
      item.addEventListener("dragleave", () => item.classList.remove("drop-target"));
      item.addEventListener("drop", (e) => {
        const from = e.dataTransfer.getData("application/x-pipewright-stage");
        if (from === "") return;
        e.preventDefault();
        e.stopPropagation();
        this.move(Number(from), i);
      });
      list.append(item);
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
