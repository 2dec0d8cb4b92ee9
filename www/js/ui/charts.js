// The timeline (throughput per stage over time) and memory (wasm memory and,
// where the browser exposes it, the JS heap) charts, drawn with uPlot and
// sized to their container. Data arrives at the metrics cadence and is drawn
// on the next animation frame.

import { formatBytes, formatCount } from "../model.js";

// uPlot is loaded on its own, so that the rest of the playground works when
// it cannot load: a missing vendor/ file, or a locale Intl rejects (uPlot
// formats numbers in navigator.language as it loads, and WebKit reports
// "C" when no locale is set). Resolves to uPlot, or to { error }.
let uPlotLoad = null;
export function loadCharts() {
  uPlotLoad ??= import("../../vendor/uPlot.esm.js").then(
    (m) => m.default,
    (error) => ({ error }),
  );
  return uPlotLoad;
}

const COLOURS = ["#0b6e4f", "#b45309", "#1d4ed8", "#9333ea", "#be123c", "#0e7490", "#4d7c0f", "#a16207"];
const MIB = 1024 * 1024;

export function jsHeapBytes() {
  // Chromium only, and coarse (rounded, updated about every 100 ms).
  return performance.memory?.usedJSHeapSize ?? null;
}

// An axis's tick labels: bytes as KiB/MiB, counts with separators.
const tickLabels = (format) => (u, values) => values.map((v) => format(v));

// `series`: [{ label, scale }]; `scales`: { name: { label, format } }.
function makeChart(uPlot, container, title, series, scales, { spanGaps = false } = {}) {
  const width = Math.max(200, container.clientWidth || 300);
  const names = Object.keys(scales).filter((name) => series.some((s) => s.scale === name));
  const opts = {
    title,
    width,
    height: 160,
    legend: { live: false },
    cursor: { show: false },
    scales: { x: { time: false } },
    axes: [
      { label: "seconds", size: 30 },
      ...names.map((name, i) => ({ scale: name, label: scales[name].label, size: 80, side: i === 0 ? 3 : 1, grid: { show: i === 0 }, values: tickLabels(scales[name].format) })),
    ],
    series: [{ label: "s" }, ...series.map((s, i) => ({ label: s.label, scale: s.scale, stroke: COLOURS[i % COLOURS.length], width: 1.5, spanGaps }))],
  };
  const data = [[], ...series.map(() => [])];
  const plot = new uPlot(opts, data, container);
  return { plot, data };
}

const RATE_SCALES = {
  bytes: { label: "bytes/s", format: (v) => `${formatBytes(v)}/s` },
  chunks: { label: "chunks/s (records)", format: (v) => formatCount(v) },
};
const MEMORY_SCALES = { bytes: { label: "memory", format: formatBytes } };

// Without uPlot, each chart's box says why, and the charts stay empty.
function unavailable(box, error) {
  const note = document.createElement("p");
  note.className = "chart-unavailable";
  note.textContent = `Charts are unavailable: vendor/uPlot.esm.js could not be loaded (${error?.name ?? "Error"}: ${error?.message ?? error}). The table above has every figure.`;
  box.replaceChildren(note);
}

export class Charts {
  // `uPlot`: what loadCharts() resolved to.
  constructor(timeline, memory, uPlot) {
    this.timelineBox = timeline;
    this.memoryBox = memory;
    this.timeline = null;
    this.memory = null;
    this.uPlot = typeof uPlot === "function" ? uPlot : null;
    if (!this.uPlot) {
      unavailable(timeline, uPlot?.error);
      unavailable(memory, uPlot?.error);
    }
    this.hasHeap = jsHeapBytes() !== null;
    if (!this.hasHeap) {
      // Said in place of the missing line, rather than an empty series.
      const note = document.createElement("p");
      note.className = "memory-note";
      note.textContent = "This browser does not expose its JS heap (performance.memory is Chromium's alone): the chart shows wasm memory only.";
      memory.parentElement.append(note);
    }
    // Resized on the next frame, not inside the observer's callback: a
    // chart's new size can move the layout again, and doing it in the
    // callback ends in "ResizeObserver loop completed with undelivered
    // notifications" (an error event on window) on narrow screens.
    this.resize = new ResizeObserver(() => {
      cancelAnimationFrame(this.fitFrame);
      this.fitFrame = requestAnimationFrame(() => this.fit());
    });
    this.observed = [timeline];
    this.resize.observe(timeline);
  }

  fit() {
    for (const [chart, box] of [[this.timeline, this.timelineBox], [this.memory, this.memoryBox]]) {
      if (chart && box.clientWidth > 0) chart.plot.setSize({ width: box.clientWidth, height: 160 });
    }
  }

  // Notes the JS heap as a run starts, for the memory chart's first point.
  markStart() {
    this.startHeap = jsHeapBytes();
  }

  // Removes the last run's charts.
  clear() {
    if (!this.uPlot) return;
    this.timeline?.plot.destroy();
    this.memory?.plot.destroy();
    this.timeline = null;
    this.memory = null;
    this.timelineBox.replaceChildren();
    this.memoryBox.replaceChildren();
  }

  // New charts for `stages`; `units[i]`: "bytes" or "chunks", what stage
  // i's line shows.
  reset(stages, units) {
    if (!this.uPlot) return;
    this.clear();
    this.units = units;
    const lines = stages.map((s, i) => ({ label: `${s.index} ${s.kind}`, scale: this.units[i] }));
    this.timeline = makeChart(this.uPlot, this.timelineBox, "Throughput per stage", lines, RATE_SCALES);
    const mem = [{ label: "wasm memory", scale: "bytes" }];
    if (this.hasHeap) mem.push({ label: "JS heap", scale: "bytes" });
    this.memory = makeChart(this.uPlot, this.memoryBox, "Memory", mem, MEMORY_SCALES);
    this.timelineBox.dataset.points = "0";
    this.memoryBox.dataset.points = "0";
  }

  // One sample: `rates` = { bytes, chunks } per second per stage.
  add(snapshot, rates) {
    if (!this.timeline) return;
    // Every line starts at zero when the run starts.
    if (this.timeline.data[0].length === 0 && snapshot.elapsedMs > 0) {
      const zero = rates.bytes.map(() => 0);
      this.add({ ...snapshot, elapsedMs: 0 }, { bytes: zero, chunks: zero });
    }
    const t = snapshot.elapsedMs / 1000;
    this.timeline.data[0].push(t);
    this.units.forEach((unit, i) => this.timeline.data[i + 1].push(rates[unit][i] ?? 0));
    this.memory.data[0].push(t);
    this.memory.data[1].push(snapshot.wasmMemoryBytes ?? 0);
    const first = this.memory.data[0].length === 1;
    // A recorded frame carries the heap as it was; a live one reads it now.
    const heap = snapshot.jsHeapBytes !== undefined ? snapshot.jsHeapBytes : jsHeapBytes();
    if (this.hasHeap) this.memory.data[2].push(first && this.startHeap != null && snapshot.jsHeapBytes === undefined ? this.startHeap : heap);
    this.dirty = true;
  }

  draw() {
    if (!this.dirty || !this.timeline) return;
    this.dirty = false;
    this.timeline.plot.setData(this.timeline.data);
    this.memory.plot.setData(this.memory.data);
    this.timelineBox.dataset.points = String(this.timeline.data[0].length);
    this.memoryBox.dataset.points = String(this.memory.data[0].length);
    const mem = this.memory.data;
    if (this.hasHeap) {
      const heap = mem[2];
      this.memoryBox.dataset.heapGrowthMib = ((Math.max(...heap) - heap[0]) / MIB).toFixed(1);
    }
    this.memoryBox.dataset.peakMib = String((Math.max(...mem.slice(1).map((s) => Math.max(0, ...s))) / MIB).toFixed(1));
  }

  // The element left the page: no frame, observer or window listener of
  // ours may outlive it (each uPlot listens on window until destroyed), so
  // the charts go; a run after it is put back draws new ones.
  stop() {
    cancelAnimationFrame(this.fitFrame);
    this.resize?.disconnect();
    this.clear();
  }

  resume() {
    for (const box of this.observed ?? []) this.resize?.observe(box);
  }
}

const COUNT_SCALES = { chunks: { label: "chunks", format: (v) => formatCount(v) } };

// Compare: two recorded runs on one time axis, in two charts drawn into
// `box` (chunks held in queues; chunks the sink has taken). Returns a
// function that removes them (each uPlot listens on window until then).
export function drawComparison(uPlot, box, series, labels) {
  if (typeof uPlot !== "function") return () => {};
  const held = document.createElement("div");
  const taken = document.createElement("div");
  held.className = "chart compare-held";
  taken.className = "chart compare-taken";
  box.append(held, taken);
  const lines = labels.map((label) => ({ label, scale: "chunks" }));
  const a = makeChart(uPlot, held, "Chunks held in the queues", lines, COUNT_SCALES, { spanGaps: true });
  a.plot.setData([series.x, series.heldA, series.heldB]);
  const b = makeChart(uPlot, taken, "Chunks the sink has taken", lines, COUNT_SCALES, { spanGaps: true });
  b.plot.setData([series.x, series.takenA, series.takenB]);
  held.dataset.points = String(series.x.length);
  return () => {
    a.plot.destroy();
    b.plot.destroy();
  };
}
