// The timeline (throughput per stage over time) and memory (wasm memory and,
// where the browser exposes it, the JS heap) charts, drawn with uPlot and
// sized to their container. Data arrives at the metrics cadence and is drawn
// on the next animation frame.

import uPlot from "../../vendor/uPlot.esm.js";

const COLOURS = ["#0b6e4f", "#b45309", "#1d4ed8", "#9333ea", "#be123c", "#0e7490", "#4d7c0f", "#a16207"];
const MIB = 1024 * 1024;

function jsHeapBytes() {
  // Chromium only, and coarse (rounded, updated about every 100 ms).
  return performance.memory?.usedJSHeapSize ?? null;
}

function makeChart(container, title, series, yLabel) {
  const width = Math.max(200, container.clientWidth || 300);
  const opts = {
    title,
    width,
    height: 160,
    legend: { live: false },
    cursor: { show: false },
    scales: { x: { time: false } },
    axes: [
      { label: "seconds", size: 30 },
      { label: yLabel, size: 50 },
    ],
    series: [{ label: "s" }, ...series.map((label, i) => ({ label, stroke: COLOURS[i % COLOURS.length], width: 1.5 }))],
  };
  const data = [[], ...series.map(() => [])];
  const plot = new uPlot(opts, data, container);
  return { plot, data };
}

export class Charts {
  constructor(timeline, memory) {
    this.timelineBox = timeline;
    this.memoryBox = memory;
    this.timeline = null;
    this.memory = null;
    this.hasHeap = jsHeapBytes() !== null;
    this.resize = new ResizeObserver(() => this.fit());
    this.resize.observe(timeline);
  }

  fit() {
    for (const [chart, box] of [[this.timeline, this.timelineBox], [this.memory, this.memoryBox]]) {
      if (chart && box.clientWidth > 0) chart.plot.setSize({ width: box.clientWidth, height: 160 });
    }
  }

  reset(stages) {
    this.timeline?.plot.destroy();
    this.memory?.plot.destroy();
    this.timelineBox.replaceChildren();
    this.memoryBox.replaceChildren();
    this.timeline = makeChart(this.timelineBox, "Throughput per stage", stages.map((s) => `${s.index} ${s.kind}`), "MiB/s");
    const mem = ["wasm memory"];
    if (this.hasHeap) mem.push("JS heap");
    this.memory = makeChart(this.memoryBox, "Memory", mem, "MiB");
    this.timelineBox.dataset.points = "0";
    this.memoryBox.dataset.points = "0";
  }

  // One sample: `rates` in bytes per second per stage.
  add(snapshot, rates) {
    if (!this.timeline) this.reset(snapshot.stages);
    // Every line starts at zero when the run starts.
    if (this.timeline.data[0].length === 0 && snapshot.elapsedMs > 0) this.add({ ...snapshot, elapsedMs: 0 }, rates.map(() => 0));
    const t = snapshot.elapsedMs / 1000;
    this.timeline.data[0].push(t);
    rates.forEach((r, i) => this.timeline.data[i + 1]?.push(r / MIB));
    this.memory.data[0].push(t);
    this.memory.data[1].push((snapshot.wasmMemoryBytes ?? 0) / MIB);
    if (this.hasHeap) this.memory.data[2].push(jsHeapBytes() / MIB);
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
    this.memoryBox.dataset.peakMib = String(Math.max(...mem.slice(1).map((s) => Math.max(0, ...s))).toFixed(1));
  }

  stop() {
    this.resize.disconnect();
  }
}
