// The Flow view: the pipeline drawn left to right, each chunk a marble.
// A marble appears when the source enqueues a chunk, waits in the queue of
// the stage it is in (stacked against a line at that queue's
// highWaterMark), moves on when the next stage takes it, and leaves at the
// sink; a stage pushing back is drawn so. It reads the same metrics
// snapshots as the Live table, so it never slows the pipeline: a fast run
// is sampled (at most MAX_QUEUED marbles per queue and MAX_FLYING moving,
// with the true counts written beside them). The same events are kept as a
// list, the view's text alternative.

import { formatCount, stageInfo } from "../model.js";
import { el } from "./live.js";

const SVG = "http://www.w3.org/2000/svg";
const COLUMN = 150;
const R = 5;
const PER_ROW = 8;
const ROWS = 6;
const TANK = { x: 25, y: 44, w: 100, h: ROWS * 12 + 16 };
const MAX_QUEUED = PER_ROW * ROWS;
const MAX_FLYING = 300;
const FLIGHT_MS = 350;
// Marbles drawn per link per snapshot (the metrics arrive every 100 ms),
// spread over the interval: a sample of what moved, its true count in the
// list and under the queues.
const PER_SNAPSHOT = 4;
const SPREAD_MS = 100;
const LOG_LIMIT = 300;

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

// Where the k-th queued marble of a tank sits: rows from the bottom up.
function slot(k) {
  const row = Math.floor(k / PER_ROW);
  const col = k % PER_ROW;
  return { x: TANK.x + 8 + col * 12, y: TANK.y + TANK.h - 8 - row * 12 };
}

// The height (y) of a queue's high-water mark: above the row that holds
// its last chunk, or the tank's top when it holds more than the drawing.
function markY(hwm) {
  if (hwm <= 0) return TANK.y + TANK.h;
  const rows = Math.ceil(Math.min(hwm, MAX_QUEUED) / PER_ROW);
  return TANK.y + TANK.h - 2 - rows * 12;
}

export class FlowView {
  // `panel`: the Flow tab's panel, holding an <svg class="flow-svg"> and
  // an <ol class="flow-log">.
  constructor(panel) {
    this.panel = panel;
    this.svg = panel.querySelector(".flow-svg");
    this.logList = panel.querySelector(".flow-log");
    this.summary = panel.querySelector(".flow-summary");
    this.catalog = [];
    this.frame = 0;
    this.reset();
  }

  reset() {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.prev = null;
    this.latest = null;
    this.flying = [];
    this.columns = [];
    this.svg.replaceChildren();
    this.logList.replaceChildren();
    this.summary.textContent = "Run a pipeline to see its chunks move.";
  }

  get visible() {
    return !this.panel.hidden;
  }

  // Whether a stage's chunks are records (drawn as squares, not marbles).
  records(s) {
    return stageInfo(this.catalog, s.role, s.kind)?.output === "records";
  }

  // A metrics snapshot: the moves since the last one become marbles in
  // flight and a line in the list; the drawing follows while the tab shows
  // (not with `draw: false`, a replay catching up).
  update(snapshot, { draw = true } = {}) {
    const prev = this.prev;
    this.prev = snapshot;
    this.latest = snapshot;
    const stages = snapshot.stages;
    if (this.columns.length !== stages.length) this.layout(stages);
    const moves = stages.map((s, i) => Math.max(0, s.chunksOut - (prev?.stages[i]?.chunksOut ?? 0)));
    const left = Math.max(0, stages.at(-1).chunksIn - (prev?.stages.at(-1)?.chunksIn ?? 0));
    this.note(snapshot, moves, left);
    if (!this.visible || !draw) return;
    const now = performance.now();
    const launch = (from, n, record) => {
      const shown = Math.min(n, PER_SNAPSHOT);
      for (let k = 0; k < shown && this.flying.length < MAX_FLYING; k += 1) {
        this.flying.push({ from, to: from + 1, t0: now + (k * SPREAD_MS) / shown, record });
      }
    };
    moves.forEach((n, i) => {
      if (i < stages.length - 1) launch(i, n, this.records(stages[i]));
    });
    launch(stages.length - 1, left, false);
    this.draw();
  }

  // The run ended: the last counts drawn, nothing left in flight.
  finished(snapshot) {
    if (snapshot) this.update(snapshot);
  }

  // One column per stage: its name, its tank with the high-water mark,
  // and the text under it.
  layout(stages) {
    this.svg.replaceChildren();
    this.svg.setAttribute("viewBox", `0 0 ${stages.length * COLUMN} ${TANK.y + TANK.h + 44}`);
    // Drawn at most a little larger than its own units.
    this.svg.style.maxWidth = `${stages.length * COLUMN * 1.25}px`;
    this.marbles = svg("g", { class: "flying" });
    this.columns = stages.map((s, i) => {
      const g = svg("g", { class: "flow-stage", transform: `translate(${i * COLUMN} 0)`, "data-kind": s.kind, "data-role": s.role });
      const name = svg("text", { x: COLUMN / 2, y: 18, class: "flow-name", "text-anchor": "middle" }, s.kind);
      const role = svg("text", { x: COLUMN / 2, y: 34, class: "flow-role", "text-anchor": "middle" }, s.role);
      const tank = svg("rect", { x: TANK.x, y: TANK.y, width: TANK.w, height: TANK.h, rx: 6, class: "flow-tank" });
      const mark = svg("line", { x1: TANK.x - 6, x2: TANK.x + TANK.w + 6, class: "flow-mark" });
      const queued = svg("g", { class: "queued" });
      const count = svg("text", { x: COLUMN / 2, y: TANK.y + TANK.h + 18, class: "flow-count", "text-anchor": "middle" });
      const total = svg("text", { x: COLUMN / 2, y: TANK.y + TANK.h + 34, class: "flow-total", "text-anchor": "middle" });
      g.append(name, role, tank, mark, queued, count, total);
      this.svg.append(g);
      return { g, tank, mark, queued, count, total };
    });
    this.svg.append(this.marbles);
  }

  marble(x, y, record, className) {
    return record ? svg("rect", { x: x - R, y: y - R, width: 2 * R, height: 2 * R, rx: 2, class: `${className} record` }) : svg("circle", { cx: x, cy: y, r: R, class: className });
  }

  // The queues as they are now, and the marbles in flight.
  draw() {
    const snapshot = this.latest;
    if (!snapshot) return;
    snapshot.stages.forEach((s, i) => {
      const c = this.columns[i];
      const queued = Math.min(s.queue, MAX_QUEUED);
      c.g.classList.toggle("pushing-back", Boolean(s.backpressured));
      c.g.dataset.queue = String(s.queue);
      c.g.dataset.shown = String(queued);
      const y = markY(s.highWaterMark);
      c.mark.setAttribute("y1", String(y));
      c.mark.setAttribute("y2", String(y));
      const record = i > 0 && this.records(snapshot.stages[i - 1]);
      const dots = [];
      for (let k = 0; k < queued; k += 1) {
        const p = slot(k);
        dots.push(this.marble(p.x, p.y, record, k >= s.highWaterMark ? "queued-marble over" : "queued-marble"));
      }
      c.queued.replaceChildren(...dots);
      c.count.textContent = `queue ${formatCount(s.queue)} / ${s.highWaterMark}${s.queue > queued ? ` (${queued} drawn)` : ""}`;
      // A duplex stage: the tank is its writable side; its readable side
      // and its server are counted under it.
      const duplex = s.readHighWaterMark !== undefined;
      c.total.textContent = duplex
        ? `reads ${s.readQueue} / ${s.readHighWaterMark} · server ${s.serverHeld} / ${s.serverChunks}`
        : s.role === "sink"
          ? `${formatCount(s.chunksIn)} taken`
          : `${formatCount(s.chunksOut)} out`;
    });
    this.summary.textContent = snapshot.stages.map((s) => `${s.kind}: queue ${formatCount(s.queue)} of ${s.highWaterMark}${s.backpressured ? ", pushing back" : ""}`).join("; ");
    if (!this.frame && this.flying.length) this.frame = requestAnimationFrame(() => this.animate());
  }

  animate() {
    this.frame = 0;
    const now = performance.now();
    this.flying = this.flying.filter((m) => now - m.t0 < FLIGHT_MS);
    const nodes = [];
    for (const m of this.flying) {
      if (now < m.t0) continue;
      const t = (now - m.t0) / FLIGHT_MS;
      const x0 = m.from * COLUMN + TANK.x + TANK.w;
      // Leaving at the sink: out to the drawing's edge.
      const x1 = m.to === this.columns.length ? m.to * COLUMN - R : m.to * COLUMN + TANK.x;
      const x = x0 + (x1 - x0) * t;
      const y = TANK.y + TANK.h / 2 - Math.sin(Math.PI * t) * 30;
      nodes.push(this.marble(x, y, m.record, m.to === this.columns.length ? "moving-marble leaving" : "moving-marble"));
    }
    this.marbles.replaceChildren(...nodes);
    if (this.flying.length && this.visible) this.frame = requestAnimationFrame(() => this.animate());
  }

  // The list: what moved since the last snapshot, and each queue that is
  // pushing back, at that moment.
  note(snapshot, moves, left) {
    const stages = snapshot.stages;
    const parts = [];
    moves.forEach((n, i) => {
      if (n > 0 && i < stages.length - 1) parts.push(`${formatCount(n)} ${n === 1 ? "chunk" : "chunks"} ${stages[i].kind} → ${stages[i + 1].kind}`);
    });
    if (left > 0) parts.push(`${formatCount(left)} taken by ${stages.at(-1).kind}`);
    for (const s of stages) if (s.backpressured) parts.push(`${s.kind} pushing back, queue ${formatCount(s.queue)} of ${s.highWaterMark}`);
    if (parts.length === 0) return;
    const li = el("li", "", `${(snapshot.elapsedMs / 1000).toFixed(2)} s: ${parts.join("; ")}`);
    this.logList.append(li);
    while (this.logList.childElementCount > LOG_LIMIT) this.logList.firstElementChild.remove();
  }

  // The tab was shown: draw what there is now.
  shown() {
    this.draw();
  }
}
