// One playground: builder, presets, live view, charts, event log and Code
// tab, rendered into a root element or shadow root. The full page mounts
// one; every <pipewright-playground> element mounts its own, isolated in its
// shadow root. Text from a spec, a preset, a file name or an error only ever
// goes in as text.

import init, { catalog, runPipeline, validateSpec } from "../pkg/pipewright.js";
import { generateCode } from "./codegen.js";
import { endEvent, eventsBetween } from "./events.js";
import { GENERATOR_LINES, lines } from "./generator.js";
import { DEFAULT_SPEC, downloadName, fileSource, formatBytes, formatCount, iterableSource, missingSecrets, publicSpec, secretsOf, shareFragment, specFromFragment, stageInfo } from "./model.js";
import { PRESETS, presetById } from "./presets.js";
import { compareSeries, MAX_FILE_BYTES, parseRecording, Recorder, recordingJson, summary } from "./recording.js";
import { StepRun } from "./stepping.js";
import { Builder } from "./ui/builder.js";
import { Charts, drawComparison, jsHeapBytes, loadCharts } from "./ui/charts.js";
import { FlowView } from "./ui/flowview.js";
import { el, formatMs, LiveView } from "./ui/live.js";
import { startMeter } from "./ui/meter.js";

// Our own static markup: no value from outside is ever part of it.
const TEMPLATE = `
<div class="pw">
  <section class="builder-col" aria-label="Pipeline builder">
    <div class="presets">
      <label for="preset">Preset</label>
      <div class="preset-row">
        <select id="preset"><option value="">Custom pipeline</option></select>
        <button id="run-preset" type="button" disabled>Run preset</button>
      </div>
      <div id="preset-text" class="preset-text"></div>
    </div>
    <details id="builder" class="builder" open>
      <summary>Pipeline</summary>
      <div id="source-slot"></div>
      <ol id="transforms" aria-label="Transforms"></ol>
      <div class="add">
        <label for="add-kind">Transform</label>
        <select id="add-kind"></select>
        <button id="add-transform" type="button">Add transform</button>
      </div>
      <div id="sink-slot"></div>
    </details>
    <p id="problem" class="problem" hidden></p>
    <div class="controls">
      <button id="run" type="button" disabled>Run</button>
      <button id="step" type="button" disabled aria-keyshortcuts="s" title="Step (key S): the sink takes one chunk">Step</button>
      <button id="abort" type="button" disabled>Abort</button>
      <button id="share" type="button">Share</button>
    </div>
    <p class="share" hidden>
      <label for="share-url">Link to this pipeline</label>
      <input id="share-url" type="text" readonly>
      <span class="share-note"></span>
    </p>
    <div class="progress-row" hidden>
      <label for="progress">Progress</label>
      <progress id="progress" max="1" value="0"></progress>
      <span class="eta" aria-live="off"></span>
    </div>
    <p id="status" role="status">Loading…</p>
    <p class="generator-note" hidden></p>
    <section id="steps" class="steps" aria-labelledby="steps-title" hidden>
      <h3 id="steps-title">Step by step</h3>
      <p class="step-help">Each press of Step (or the S key) lets the sink take one chunk; what that set moving is told below, newest first, in the WHATWG streams' words and in Node's. Run finishes the run at full speed.</p>
      <p class="step-now" aria-live="polite"></p>
      <ol class="step-list"></ol>
    </section>
    <p class="hint">Drop a file here to read it with the File source.</p>
  </section>
  <section class="live-col" aria-label="Live view">
    <section id="replay" class="replay" aria-labelledby="replay-title">
      <h3 id="replay-title">Replay</h3>
      <p class="replay-note" aria-live="polite">Every run is recorded: once it ends, move through it here, frame by frame, and every view shows that moment. Or load a run file.</p>
      <div class="replay-controls">
        <button id="frame-back" type="button" disabled aria-label="One frame back">◀</button>
        <button id="play" type="button" disabled>Play</button>
        <button id="frame-next" type="button" disabled aria-label="One frame on">▶</button>
        <input id="scrub" type="range" min="0" max="0" value="0" step="1" disabled aria-label="Moment of the run">
        <output class="replay-time" for="scrub"></output>
      </div>
      <div class="replay-files">
        <button id="export-run" type="button" disabled>Export run</button>
        <label for="load-run">Load a run</label>
        <input id="load-run" type="file" accept=".json,application/json">
      </div>
      <details class="compare-runs">
        <summary>Compare two runs</summary>
        <div class="compare-pick">
          <label for="run-a">First</label><select id="run-a"></select>
          <label for="run-b">Second</label><select id="run-b"></select>
          <button id="compare-runs" type="button" disabled>Compare</button>
        </div>
        <div class="compare-out"></div>
      </details>
    </section>
    <div class="tabs" role="tablist" aria-label="Views">
      <button id="tab-live" type="button" role="tab" aria-selected="true" aria-controls="panel-live">Live</button>
      <button id="tab-flow" type="button" role="tab" aria-selected="false" aria-controls="panel-flow" tabindex="-1">Flow</button>
      <button id="tab-code" type="button" role="tab" aria-selected="false" aria-controls="panel-code" tabindex="-1">Code</button>
    </div>
    <div id="panel-live" role="tabpanel" aria-labelledby="tab-live">
      <p class="meter">Main thread: longest frame gap in the last second <strong id="responsiveness" aria-live="off">–</strong>
        <canvas class="frames" width="240" height="24" role="img" aria-label="Recent frame gaps: a tall red bar is a frame drawn late"></canvas></p>
      <ol class="flow" aria-label="Flow between stages"></ol>
      <div class="table-wrap">
        <table id="stages" class="stages">
          <thead>
            <tr>
              <th scope="col">Stage</th><th scope="col">Where</th><th scope="col">State</th>
              <th scope="col">Queue / HWM</th>
              <th scope="col">Chunks in → out</th>
              <th scope="col">Bytes in → out</th>
              <th scope="col">Throughput</th><th scope="col">Stalled</th>
            </tr>
          </thead>
          <tbody></tbody>
        </table>
      </div>
      <div id="compare" class="compare" hidden></div>
      <div id="report" class="report" aria-live="polite"></div>
      <div class="charts">
        <figure><div id="timeline" class="chart"></div><figcaption>Throughput of each stage over time</figcaption></figure>
        <figure><div id="memory" class="chart"></div><figcaption>Wasm memory, and the JS heap where the browser exposes it</figcaption></figure>
      </div>
      <section class="log" aria-labelledby="log-title">
        <h3 id="log-title">Events: Node's words, and the WHATWG streams' words</h3>
        <div class="log-wrap">
          <table id="events" class="events">
            <thead><tr><th scope="col">t</th><th scope="col">Stage</th><th scope="col">Node</th><th scope="col">WHATWG</th></tr></thead>
            <tbody></tbody>
          </table>
        </div>
      </section>
    </div>
    <div id="panel-flow" role="tabpanel" aria-labelledby="tab-flow" hidden>
      <p>Each chunk is a marble: it appears when the source enqueues it, waits in the queue of the stage it is in, stacked against the dashed line at that queue's highWaterMark, moves on when the next stage takes it, and leaves at the sink. A stage pushing back is drawn in orange. Records are squares. Fast runs are sampled; the counts under each queue are exact.</p>
      <p class="flow-summary"></p>
      <div class="flow-wrap"><svg class="flow-svg" role="img" aria-label="The pipeline's queues, each chunk a marble"></svg></div>
      <details class="flow-list" open><summary>The same, as a list of what moved</summary><ol class="flow-log"></ol></details>
    </div>
    <div id="panel-code" role="tabpanel" aria-labelledby="tab-code" hidden>
      <p>The same pipeline built with the package's stream factories. It runs as a module wherever <code>"pipewright"</code> resolves to the package.</p>
      <button id="copy-code" type="button">Copy</button>
      <pre class="code"><code id="code"></code></pre>
    </div>
  </section>
</div>`;

const LOG_LIMIT = 400;
const START_EVENT = { kind: "start", stage: "pipeline", node: "pipeline(source, …transforms, sink)", web: "source.pipeThrough(…).pipeTo(sink)", ms: 0 };
// Narrated steps kept on the page.
const STEP_LIMIT = 50;
// Recorded runs kept for replay and Compare.
const RUNS_KEPT = 10;

let ready = null;
// The wasm module, loaded once however many playgrounds a page has.
export function loadPipewright() {
  ready ??= init().then(() => catalog());
  return ready;
}

export class Playground {
  // `root`: an element or shadow root to render into. Options: `spec` (an
  // object), `preset` (an id), `fragment` (a location.hash to restore),
  // `compact`, `autorun`, `shareBase` (the page a share link opens; the
  // current page's URL is updated when absent).
  constructor(root, options = {}) {
    this.root = root;
    this.options = options;
    const holder = document.createElement("template");
    holder.innerHTML = TEMPLATE;
    root.append(holder.content);
    this.$ = (sel) => root.querySelector(sel);
    this.$(".pw").classList.toggle("compact", Boolean(options.compact));
    if (options.compact) this.$("#builder").open = false;
    this.meter = startMeter(this.$("#responsiveness"), this.$("canvas.frames"));
    this.controller = null;
    // Recorded runs, newest last; the one the scrubber shows; its frame.
    this.recordings = [];
    this.replay = null;
    this.runCount = 0;
  }

  // A playground taken out of the page stops: its run is aborted and its
  // meter, charts and observers end, so nothing of it keeps running.
  // `resume()` starts the meter again when it comes back.
  stop() {
    this.controller?.abort(new Error("the playground was removed from the page"));
    this.pause();
    this.removeComparison?.();
    this.meter.stop();
    this.charts?.stop();
  }

  resume() {
    this.meter.start();
    this.charts?.resume();
  }

  async start() {
    const [cat, uPlot] = await Promise.all([loadPipewright(), loadCharts()]);
    this.catalog = cat;
    this.uPlot = uPlot;
    const { spec, problem, preset, from } = this.startingPoint();
    this.builder = new Builder(cat, this.$("#builder"), spec, () => this.changed());
    this.live = new LiveView(this.$(".pw"));
    this.live.catalog = cat;
    this.flowView = new FlowView(this.$("#panel-flow"));
    this.flowView.catalog = cat;
    this.charts = new Charts(this.$("#timeline"), this.$("#memory"), uPlot);
    this.wire();
    const select = this.$("#preset");
    for (const p of PRESETS) select.append(new Option(p.title, p.id));
    if (preset) this.showPreset(preset, false);
    this.changed();
    this.$("#run").disabled = false;
    this.$("#step").disabled = false;
    this.$("#run-preset").disabled = !preset;
    const status = this.$("#status");
    status.textContent = problem ? `${from} could not be loaded: ${problem}. This is the default pipeline.` : "Ready.";
    status.className = problem ? "error" : "";
    this.$(".pw").dataset.ready = "true";
    if (this.options.autorun) {
      if (preset) this.runPreset();
      else this.run(this.builder.spec());
    }
  }

  // The pipeline to start with: a shared fragment, a spec, a preset, or
  // the default; and what was wrong with the one given, if anything.
  startingPoint() {
    let problem = null;
    let spec = null;
    // What the message names: a link's fragment, or the embed's attributes.
    let from = "The playground's pipeline";
    if (this.options.fragment) {
      const shared = specFromFragment(this.options.fragment);
      if (shared.error || shared.spec) from = "The shared link";
      if (shared.error) problem = shared.error;
      if (shared.spec) spec = shared.spec;
    }
    if (!spec && this.options.spec !== undefined) {
      try {
        spec = typeof this.options.spec === "string" ? JSON.parse(this.options.spec) : this.options.spec;
      } catch (e) {
        problem = `it is not a pipeline spec (${e.message})`;
      }
    }
    const preset = !spec && this.options.preset ? presetById(this.options.preset) : null;
    if (!spec && this.options.preset && !preset) problem = `there is no preset "${this.options.preset}"`;
    if (preset) spec = preset.spec;
    if (spec) {
      try {
        validateSpec(spec);
      } catch (e) {
        problem = e.message;
        spec = null;
      }
    }
    return { spec: spec ?? DEFAULT_SPEC, problem, preset, from };
  }

  wire() {
    this.$("#run").addEventListener("click", () => {
      // In step mode, Run lets the rest go at full speed.
      if (this.stepping) {
        this.stepping.runToEnd();
        return;
      }
      // A secret a shared link left out is asked for, not run without.
      if (this.askForSecret()) return;
      this.$("#compare").hidden = true;
      this.run(this.builder.spec());
    });
    this.$("#step").addEventListener("click", () => this.step());
    // S steps, from anywhere in the playground but a field being typed in.
    this.$(".pw").addEventListener("keydown", (e) => {
      if (e.key !== "s" && e.key !== "S") return;
      if (e.ctrlKey || e.metaKey || e.altKey || e.target.closest?.("input, textarea, select, [contenteditable]")) return;
      if (this.$("#step").disabled) return;
      e.preventDefault();
      this.step();
    });
    this.$("#abort").addEventListener("click", () => this.controller?.abort(new Error("aborted by the user")));
    this.$("#share").addEventListener("click", () => this.share());
    this.$("#preset").addEventListener("change", (e) => {
      const preset = presetById(e.target.value);
      if (preset) this.showPreset(preset, true);
      else this.$("#preset-text").replaceChildren();
      this.$("#run-preset").disabled = !preset;
    });
    this.$("#run-preset").addEventListener("click", () => this.runPreset());
    // Tabs: click, or arrow keys between them.
    const tabs = [this.$("#tab-live"), this.$("#tab-flow"), this.$("#tab-code")];
    const select = (tab) => {
      for (const t of tabs) {
        const on = t === tab;
        t.setAttribute("aria-selected", String(on));
        t.tabIndex = on ? 0 : -1;
        this.$(`#${t.getAttribute("aria-controls")}`).hidden = !on;
      }
      if (tab.id === "tab-code") this.$("#code").textContent = this.code(this.builder.spec());
      if (tab.id === "tab-flow") this.flowView.shown();
    };
    for (const t of tabs) {
      t.addEventListener("click", () => select(t));
      t.addEventListener("keydown", (e) => {
        if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
        const step = e.key === "ArrowRight" ? 1 : tabs.length - 1;
        const next = tabs[(tabs.indexOf(t) + step) % tabs.length];
        select(next);
        next.focus();
      });
    }
    // Replay: the scrubber (arrow keys move it a frame), frame steps,
    // play/pause, export, load, compare.
    this.$("#scrub").addEventListener("input", (e) => {
      this.pause();
      this.seek(Number(e.target.value));
    });
    this.$("#frame-back").addEventListener("click", () => {
      this.pause();
      this.seek(this.replay.frame - 1);
    });
    this.$("#frame-next").addEventListener("click", () => {
      this.pause();
      this.seek(this.replay.frame + 1);
    });
    this.$("#play").addEventListener("click", () => (this.playing ? this.pause() : this.play()));
    this.$("#export-run").addEventListener("click", () => this.exportRun());
    this.$("#load-run").addEventListener("change", (e) => {
      const file = e.target.files?.[0];
      e.target.value = "";
      if (file) this.loadRun(file);
    });
    this.$("#compare-runs").addEventListener("click", () => this.compareRuns());
    this.$("#copy-code").addEventListener("click", async () => {
      const text = this.$("#code").textContent;
      try {
        await navigator.clipboard.writeText(text);
        this.$("#copy-code").textContent = "Copied";
      } catch {
        // No clipboard permission (an iframe, plain http): select it instead.
        getSelection().selectAllChildren(this.$("#code"));
        this.$("#copy-code").textContent = "Selected: press Ctrl+C";
      }
    });
    // A file dropped anywhere on the playground becomes the File source.
    const area = this.$(".pw");
    area.addEventListener("dragover", (e) => {
      if (!e.dataTransfer.types.includes("Files")) return;
      e.preventDefault();
      area.classList.add("file-over");
    });
    area.addEventListener("dragleave", (e) => {
      if (e.target === area) area.classList.remove("file-over");
    });
    area.addEventListener("drop", (e) => {
      area.classList.remove("file-over");
      const file = e.dataTransfer.files?.[0];
      if (!file) return;
      e.preventDefault();
      this.builder.setFile(file);
      this.setStatus(`Source: ${file.name} (${file.size.toLocaleString("en-US")} bytes).`);
    });
  }

  // Step: starts a run in step mode, or lets the sink of the one under way
  // take one more chunk.
  step() {
    if (this.stepping) {
      this.stepping.press();
      return;
    }
    // A run at full speed is under way.
    if (!this.$("#abort").disabled) return;
    if (this.askForSecret()) return;
    this.$("#compare").hidden = true;
    this.run(this.builder.spec(), { step: true });
  }

  // One narrated step, newest first; the live region reads its title.
  narrate({ step, title, lines }) {
    const item = el("li", "step");
    item.dataset.step = String(step);
    item.append(el("p", "step-title", title));
    const table = el("table", "step-lines");
    const head = el("tr");
    head.append(el("th", "", "Stage"), el("th", "", "WHATWG streams"), el("th", "", "Node streams"));
    table.append(el("thead"), el("tbody"));
    table.tHead.append(head);
    for (const line of lines) {
      const tr = el("tr");
      tr.append(el("td", "", line.stage), el("td", "web", line.web), el("td", "node", line.node));
      table.tBodies[0].append(tr);
    }
    item.append(table);
    const list = this.$(".step-list");
    list.prepend(item);
    while (list.children.length > STEP_LIMIT) list.lastElementChild.remove();
    this.$(".step-now").textContent = title;
  }

  // ---- Record and replay ----

  replayNote(text, error = false) {
    const note = this.$(".replay-note");
    note.textContent = text;
    note.classList.toggle("error", error);
  }

  // A name for a run: the selected preset's title when the run has its
  // stages (options may have been edited), or else the stages themselves.
  runLabel(spec, outcome) {
    this.runCount += 1;
    const kinds = (sp) => [sp.source.kind, ...sp.stages.map((st) => st.kind), sp.sink.kind].join(" → ");
    const preset = presetById(this.$("#preset").value);
    let what = kinds(spec);
    if (preset && kinds(preset.spec) === what) what = preset.title;
    else if (preset?.compare && kinds(preset.compare.spec) === what) what = `${preset.title}, ${preset.compare.title}`;
    const end = outcome.report ? `done in ${formatMs(outcome.report.durationMs)}` : outcome.aborted ? "aborted" : "failed";
    return `Run ${this.runCount}: ${what} (${end})`;
  }

  // Keeps a recording, offers it to Compare, and puts the scrubber on it
  // at `frame` (its end unless told), drawing that moment unless the views
  // already show it (`drawn`).
  addRecording(recording, { frame = recording.frames.length - 1, drawn = false } = {}) {
    this.recordings.push(recording);
    if (this.recordings.length > RUNS_KEPT) this.recordings.shift();
    for (const id of ["#run-a", "#run-b"]) {
      const select = this.$(id);
      select.replaceChildren(...this.recordings.map((r, i) => new Option(r.label, String(i))));
    }
    const n = this.recordings.length;
    this.$("#run-a").value = String(Math.max(0, n - 2));
    this.$("#run-b").value = String(n - 1);
    this.$("#compare-runs").disabled = n < 2;
    this.replay = { recording, frame: -1 };
    const scrub = this.$("#scrub");
    scrub.max = String(recording.frames.length - 1);
    for (const id of ["#scrub", "#play", "#export-run"]) this.$(id).disabled = false;
    if (drawn) this.replay.frame = frame;
    else this.seek(frame);
    this.showFrame();
  }

  // The scrubber, the frame buttons and the time beside them.
  showFrame() {
    const { recording, frame } = this.replay;
    const last = recording.frames.length - 1;
    this.$("#scrub").value = String(frame);
    this.$("#frame-back").disabled = frame <= 0;
    this.$("#frame-next").disabled = frame >= last;
    const t = recording.frames[frame].elapsedMs;
    const time = `${(t / 1000).toFixed(2)} s of ${(recording.frames[last].elapsedMs / 1000).toFixed(2)} s · frame ${frame + 1} of ${last + 1}`;
    this.$(".replay-time").textContent = time;
    this.$("#scrub").setAttribute("aria-valuetext", time);
  }

  // Every view at frame `i` of the recording on the scrubber: the next
  // frame is fed on as in a live run; any other is rebuilt from the start.
  seek(i) {
    const { recording } = this.replay;
    const frames = recording.frames;
    const frame = Math.max(0, Math.min(frames.length - 1, i));
    const units = this.units(recording.spec);
    const feed = (f, prev, draw) => {
      this.flowView.update(f, { draw });
      const rates = this.live.update(f, { render: draw });
      if (!this.charts.timeline) this.charts.reset(f.stages, units);
      if (rates) this.charts.add(f, rates);
      return eventsBetween(prev, f);
    };
    if (frame === this.replay.frame + 1 && frame > 0) {
      this.log(feed(frames[frame], frames[frame - 1], true));
    } else {
      this.live.reset();
      this.flowView.reset();
      this.charts.clear();
      this.$("#events tbody").replaceChildren();
      const entries = [START_EVENT];
      frames.slice(0, frame + 1).forEach((f, k) => entries.push(...feed(f, frames[k - 1] ?? null, k === frame)));
      this.log(entries.slice(-LOG_LIMIT));
    }
    this.charts.draw();
    this.replay.frame = frame;
    // At the last frame, the run's end: its report, or how it failed.
    const end = recording.end;
    if (frame === frames.length - 1 && end) {
      const f = frames[frame];
      if (end.ok) this.live.finished({ ...end, stages: f.stages });
      else this.live.failed(end, end.aborted);
      if (!end.ok) this.log([endEvent(end, end.aborted, f.elapsedMs)]);
    }
    this.showFrame();
  }

  // Plays from the frame shown (from the start if at the end) at the
  // recorded pace.
  play() {
    const frames = this.replay.recording.frames;
    if (this.replay.frame >= frames.length - 1) this.seek(0);
    this.playing = true;
    this.$("#play").textContent = "Pause";
    const next = () => {
      const at = this.replay.frame;
      if (!this.playing || at >= frames.length - 1) {
        this.pause();
        return;
      }
      const wait = Math.min(1000, Math.max(16, frames[at + 1].elapsedMs - frames[at].elapsedMs));
      this.playTimer = setTimeout(() => {
        if (!this.playing) return;
        this.seek(at + 1);
        next();
      }, wait);
    };
    next();
  }

  pause() {
    clearTimeout(this.playTimer);
    this.playing = false;
    const button = this.$("#play");
    if (button) button.textContent = "Play";
  }

  // The recording on the scrubber as a JSON file.
  exportRun() {
    const { recording } = this.replay;
    const blob = new Blob([recordingJson(recording)], { type: "application/json" });
    const a = el("a");
    a.href = URL.createObjectURL(blob);
    a.download = `pipewright-run-${recording.label.match(/^Run (\d+)/)?.[1] ?? "loaded"}.json`;
    a.hidden = true;
    this.$(".replay-files").append(a);
    a.click();
    // Revoked later: a browser may still be reading it after the click.
    setTimeout(() => {
      URL.revokeObjectURL(a.href);
      a.remove();
    }, 60_000);
  }

  // A run file: checked throughout, then replayed from its end. A file
  // that is not one gets a message, as text; nothing in it runs.
  async loadRun(file) {
    const name = file.name;
    if (file.size > MAX_FILE_BYTES) {
      this.replayNote(`${name} is not a run this page can replay: it is ${formatBytes(file.size)}, more than the ${formatBytes(MAX_FILE_BYTES)} a run file may be.`, true);
      return;
    }
    let recording;
    try {
      recording = parseRecording(await file.text(), validateSpec);
    } catch (e) {
      this.replayNote(`${name} is not a run this page can replay: ${e.message}.`, true);
      return;
    }
    this.pause();
    recording.label = `${name}: ${recording.label}`;
    this.builder.load(recording.spec);
    this.changed();
    this.addRecording(recording);
    const seconds = (recording.frames.at(-1).elapsedMs / 1000).toFixed(2);
    this.replayNote(`Loaded ${name}: ${recording.frames.length} frames over ${seconds} s. Move through it with the scrubber; Run runs its pipeline again.`);
  }

  // Two recorded runs on one time axis, and their figures side by side.
  compareRuns() {
    const a = this.recordings[Number(this.$("#run-a").value)];
    const b = this.recordings[Number(this.$("#run-b").value)];
    if (!a || !b) return;
    const out = this.$(".compare-out");
    this.removeComparison?.();
    out.replaceChildren();
    const [sa, sb] = [summary(a), summary(b)];
    const table = el("table", "compare-table");
    const head = el("tr");
    head.append(el("th", "", ""), el("th", "", `First: ${a.label}`), el("th", "", `Second: ${b.label}`));
    table.append(el("thead"), el("tbody"));
    table.tHead.append(head);
    const row = (name, f, key) => {
      const tr = el("tr");
      tr.dataset.row = key;
      tr.append(el("th", "", name), el("td", "", f(sa[key], sa)), el("td", "", f(sb[key], sb)));
      table.tBodies[0].append(tr);
    };
    row("Duration", (v) => formatMs(v), "durationMs");
    row("Most chunks held in the queues at once", (v) => formatCount(v), "peakHeld");
    row("Peak wasm memory", (v) => formatBytes(v), "peakMemory");
    row("JS heap growth", (v) => (v === null ? "not exposed by this browser" : formatBytes(v)), "heapGrowth");
    row("Chunks the sink took", (v) => formatCount(v), "taken");
    out.append(table);
    this.removeComparison = drawComparison(this.uPlot, out, compareSeries(a, b), ["first", "second"]);
  }

  setStatus(text, error = false) {
    const status = this.$("#status");
    status.textContent = text;
    status.className = error ? "error" : "";
  }

  showPreset(preset, load) {
    this.$("#preset").value = preset.id;
    const box = this.$("#preset-text");
    box.replaceChildren(...preset.text.map((t) => el("p", "", t)));
    if (preset.compare) box.append(el("p", "note", `Run preset also runs it ${preset.compare.title}, to compare.`));
    if (preset.needsServer) this.checkServer(preset);
    if (load) {
      this.builder.load(preset.spec);
      this.changed();
    }
    this.$("#run-preset").disabled = false;
  }

  // A preset that needs the upload server `npm start` runs: on a page served
  // without one (a static host, an embed) it says so instead of failing.
  async checkServer(preset) {
    let here = false;
    try {
      const r = await fetch(new URL(preset.needsServer, location.href), { cache: "no-store" });
      here = r.ok && (await r.json())?.pipewright === "upload";
    } catch {}
    if (here || this.$("#preset").value !== preset.id) return;
    this.$("#preset-text").append(
      el("p", "needs-server", "This preset needs the upload server that npm start runs beside the page: this page is served without one (a static host, or an embed in someone's docs), so there is nowhere to send the stream. Clone Pipewright and run npm start to try it."),
    );
    this.$("#run-preset").disabled = true;
  }

  // Checks the spec as the API would, before Run, and marks the field.
  changed() {
    const problem = this.$("#problem");
    const spec = this.builder.spec();
    try {
      validateSpec(spec);
      problem.hidden = true;
      problem.textContent = "";
      this.builder.markInvalid(null);
      this.askForSecret({ focus: false });
    } catch (e) {
      problem.hidden = false;
      problem.textContent = `${e.name}: ${e.message}`;
      // The error names the field it is about: `stages[1].level`.
      this.builder.markInvalid(e.path ?? null);
    }
    if (!this.$("#panel-code").hidden) this.$("#code").textContent = this.code(spec);
  }

  // If a secret (a passphrase) is still empty, says so, marks its field
  // and (with `focus`) puts the cursor there; true if one is missing.
  askForSecret({ focus = true } = {}) {
    const [path] = missingSecrets(this.catalog, this.builder.spec());
    if (!path) return false;
    const problem = this.$("#problem");
    problem.hidden = false;
    problem.textContent = `Type the ${path.split(".").pop()} for ${path.split(".")[0]} before Run: a shared link never carries it.`;
    const field = this.builder.markInvalid(path);
    if (focus) field?.focus();
    return true;
  }

  // The Code tab's text for `spec`: secrets become variables to fill in;
  // the page's generator is written out for a generator source.
  code(spec) {
    const file = fileSource(this.catalog);
    const gen = iterableSource(this.catalog);
    const generator =
      gen && spec.source.kind === gen.info.kind
        ? { param: gen.param, text: lines.toString(), call: `lines(${GENERATOR_LINES}, (i) => console.log(\`the body runs for line \${i}\`))` }
        : null;
    return generateCode(spec, file && spec.source.kind === file.info.kind ? file.param : null, (role, kind) => secretsOf(this.catalog, role, kind), generator);
  }

  // The spec runPipeline gets: a generator source without an iterable is
  // given the page's generator, which counts each run of its body.
  withGenerator(spec) {
    const gen = iterableSource(this.catalog);
    const note = this.$(".generator-note");
    note.hidden = !(gen && spec.source.kind === gen.info.kind);
    if (note.hidden || spec.source[gen.param]) return spec;
    note.dataset.runs = "0";
    note.textContent = "The generator's body has not run yet.";
    const seen = (i) => {
      note.dataset.runs = String(i);
      note.textContent = `The generator's body has run ${i} time${i === 1 ? "" : "s"}: line ${i} is the last it yielded, each one asked for by a pull().`;
    };
    return { ...spec, source: { ...spec.source, [gen.param]: lines(GENERATOR_LINES, seen) } };
  }

  share() {
    // Secrets (a passphrase) never travel in a link; the note says so.
    const { spec, left } = publicSpec(this.catalog, this.builder.spec());
    this.$(".share-note").textContent = left.length ? `The link leaves out ${left.join(", ")}: whoever opens it types it in.` : "";
    const fragment = shareFragment(spec);
    let url;
    if (this.options.shareBase) {
      url = new URL(fragment, this.options.shareBase).href;
    } else {
      history.replaceState(null, "", fragment);
      url = location.href;
    }
    const field = this.$("#share-url");
    field.value = url;
    field.parentElement.hidden = false;
    field.select();
  }

  log(entries) {
    const body = this.$("#events tbody");
    for (const e of entries) {
      const tr = el("tr", `event ${e.kind}`);
      tr.dataset.kind = e.kind;
      tr.append(el("td", "t", `${(e.ms / 1000).toFixed(2)} s`), el("td", "", e.stage), el("td", "node", e.node), el("td", "web", e.web));
      body.append(tr);
    }
    while (body.rows.length > LOG_LIMIT) body.deleteRow(0);
    const wrap = this.$(".log-wrap");
    wrap.scrollTop = wrap.scrollHeight;
  }

  // What to chart for each stage: bytes per second, or chunks per second
  // where the data leaving it (entering it, for the sink) is records.
  units(spec) {
    let type = "bytes";
    const units = ["bytes"];
    for (const stage of spec.stages) {
      type = stageInfo(this.catalog, "transform", stage.kind)?.output ?? type;
      units.push(type === "records" ? "chunks" : "bytes");
    }
    units.push(type === "records" ? "chunks" : "bytes");
    return units;
  }

  // Runs `spec` with the live view; with `step`, in step mode (the sink
  // takes a chunk per press of Step). Resolves to { report } or { error },
  // and the longest main-thread frame gap during the run.
  async run(spec, { step = false } = {}) {
    const runButton = this.$("#run");
    const abortButton = this.$("#abort");
    const presetButton = this.$("#run-preset");
    const stepButton = this.$("#step");
    this.controller = new AbortController();
    const controller = this.controller;
    const stepping = step ? new StepRun((n) => this.narrate(n)) : null;
    this.stepping = stepping;
    runButton.disabled = !step;
    if (step) runButton.textContent = "Run to the end";
    stepButton.disabled = !step;
    presetButton.disabled = true;
    abortButton.disabled = false;
    this.$(".step-list").replaceChildren();
    this.$(".step-now").textContent = "";
    this.$("#steps").hidden = !step;
    this.setStatus(step ? "Stepping: press Step (or S) for each chunk the sink takes." : "Running…");
    // The views are the run's now: no replay, no scrubbing until it ends.
    this.pause();
    for (const id of ["#scrub", "#play", "#frame-back", "#frame-next", "#export-run"]) this.$(id).disabled = true;
    this.live.reset();
    this.flowView.reset();
    const file = fileSource(this.catalog);
    this.live.downloadName = downloadName(this.catalog, spec, file && spec.source.kind === file.info.kind ? spec.source[file.param]?.name : undefined);
    this.$("#events tbody").replaceChildren();
    this.charts.clear();
    this.charts.markStart();
    this.meter.startRun();
    let latest = null;
    let frame = 0;
    // Charts are made with the first sample, when the stages are known.
    const chart = (snapshot, rates) => {
      if (!this.charts.timeline) this.charts.reset(snapshot.stages, this.units(spec));
      if (rates) this.charts.add(snapshot, rates);
      this.charts.draw();
    };
    const paint = () => {
      frame = 0;
      chart(latest, this.live.update(latest));
    };
    // A snapshot that arrived after the last frame is drawn before the end.
    const paintPending = () => {
      if (frame) {
        cancelAnimationFrame(frame);
        paint();
      }
    };
    this.log([START_EVENT]);
    // Every run is recorded: its public spec (no secret, no file) and each
    // snapshot.
    const recorder = new Recorder(JSON.parse(JSON.stringify(publicSpec(this.catalog, spec).spec, (key, value) => (value instanceof Blob ? undefined : value))), "");
    let outcome;
    try {
      const report = await runPipeline(this.withGenerator(spec), {
        signal: controller.signal,
        ...(stepping && { gate: stepping.gate, metricsInterval: 16 }),
        onMetrics: (snapshot) => {
          // Every snapshot goes to the log, so no state change is missed;
          // the drawing waits for the next animation frame.
          this.log(eventsBetween(latest, snapshot));
          this.flowView.update(snapshot);
          latest = snapshot;
          recorder.frame(snapshot, jsHeapBytes());
          stepping?.metrics(snapshot);
          frame ||= requestAnimationFrame(paint);
        },
      });
      paintPending();
      const last = { elapsedMs: report.durationMs, stages: report.stages, wasmMemoryBytes: report.wasmMemoryBytes };
      stepping?.end(last);
      this.log(eventsBetween(latest, last));
      this.flowView.finished(last);
      this.live.finished(report);
      // The last point: the whole run's average, so even a short run draws.
      chart(last, { bytes: this.live.rates, chunks: this.live.chunkRates });
      this.setStatus("Done.");
      outcome = { report };
    } catch (error) {
      // The last snapshot, now drawn, shows where it stopped: which stage
      // failed, and that the source was cancelled.
      paintPending();
      const aborted = controller.signal.aborted;
      this.log([endEvent(error, aborted, latest?.elapsedMs ?? 0)]);
      this.live.failed(error, aborted);
      this.setStatus(aborted ? "Aborted." : "Failed.", !aborted);
      outcome = { error, aborted };
    } finally {
      stepping?.end(latest);
      this.stepping = null;
      runButton.disabled = false;
      stepButton.disabled = false;
      abortButton.disabled = true;
      presetButton.disabled = !presetById(this.$("#preset").value) || Boolean(this.$("#preset-text .needs-server"));
      runButton.textContent = "Run again";
    }
    outcome.gapMs = this.meter.finishRun();
    // The run's recording (its last frame is the snapshot runPipeline
    // gives as it ends), on the scrubber at its end: what the views show.
    const recording = recorder.end(outcome);
    recording.label = this.runLabel(spec, outcome);
    if (recording.frames.length) this.addRecording(recording, { drawn: true });
    return outcome;
  }

  // Runs the selected preset, then its comparison if it has one.
  async runPreset() {
    const preset = presetById(this.$("#preset").value);
    if (!preset) return;
    const box = this.$("#compare");
    box.hidden = true;
    // What the builder holds: the preset as loaded, with any file the user
    // dropped or picked for it.
    const first = await this.run(this.builder.spec());
    if (!preset.compare || first.error) return;
    const second = await this.run(preset.compare.spec);
    const show = (o) => {
      if (o.error) return `failed: ${o.error.message}`;
      if (preset.compare.show === "gap") return `longest frame gap ${Math.round(o.gapMs)} ms, ${Math.round(o.report.durationMs)} ms in all`;
      if (preset.compare.show === "memory") {
        const cache = o.report.stages.find((st) => st.kind === preset.compare.stage);
        return `${cache.result}; wasm memory ${formatBytes(o.report.wasmMemoryBytes)} at the end`;
      }
      if (preset.compare.show === "load") {
        const pool = o.report.stages.find((st) => st.placement === "pool");
        return `${Math.round(o.report.durationMs)} ms in all; chunks per Worker ${pool.workers.map((w) => w.chunks).join(" / ")}`;
      }
      const restarts = o.report.stages.reduce((n, st) => n + (st.restarts ?? 0), 0);
      const result = o.report.stages.at(-1).result ?? `${o.report.totals.bytes} bytes`;
      return restarts > 0 ? `${result} · ${restarts} worker restarts` : result;
    };
    const dl = el("dl");
    dl.append(el("dt", "", preset.compare.first), el("dd", "compare-first", show(first)));
    dl.append(el("dt", "", preset.compare.title), el("dd", "compare-second", show(second)));
    const digest = (o) => o.report?.stages.at(-1).result;
    const same = preset.compare.show !== "gap" && !second.error && digest(first) === digest(second);
    const verdicts = {
      gap: "The meter's worst gap, each way.",
      load: same ? "The same bytes both ways; the time and each Worker's share differ." : "Different bytes.",
      memory: "What each cache holds at the end: everything it saw, or only its last chunks.",
      digest: same ? "Equal: the same bytes both ways." : "Different.",
    };
    const verdict = verdicts[preset.compare.show];
    box.replaceChildren(el("h3", "", "Comparison"), dl, el("p", "verdict", verdict));
    box.dataset.same = String(same);
    box.hidden = false;
  }
}
