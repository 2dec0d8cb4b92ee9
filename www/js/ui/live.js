// The live view: one row per stage with its state, queue against its
// high-water mark, counts, throughput sparkline, stall time and worker
// lanes; the links between stages with their flow rates; and the report.

import { formatBytes, formatCount, formatRate, throughputs } from "../model.js";

const SPARK_POINTS = 40;

// A new element with a class and text (always as text, never HTML).
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function cell(text, className) {
  return el("td", className, text);
}

// A link that saves `blob`; its object URL is revoked when the next run
// replaces the report.
function downloadLink(blob, name) {
  const a = el("a", "download", `Download ${name} (${formatBytes(blob.size)})`);
  a.href = URL.createObjectURL(blob);
  a.download = name;
  return a;
}

// Where a stage runs: the main thread, its own Worker, or a pool, with one
// lane per Worker showing what it has in flight.
function placement(s) {
  const td = cell("", "where");
  if (s.placement === "main" || !s.workers) {
    td.textContent = "main";
    return td;
  }
  td.append(s.placement === "worker" ? `worker · ${Math.round(s.workerBusyMs)} ms busy` : `pool ×${s.workers.length} · restarts ${s.restarts}`);
  const lanes = el("span", "lanes");
  s.workers.forEach((w, k) => {
    const lane = el("span", "lane");
    lane.title = `worker ${k}: ${w.inFlight} in flight, ${formatCount(w.chunks)} chunks done, ${Math.round(w.busyMs)} ms busy`;
    lane.setAttribute("aria-label", lane.title);
    lane.dataset.inFlight = String(w.inFlight);
    lane.dataset.chunks = String(w.chunks);
    for (let i = 0; i < Math.max(1, w.inFlight); i += 1) lane.append(el("span", i < w.inFlight ? "slot busy" : "slot"));
    lanes.append(lane);
  });
  td.append(lanes);
  return td;
}

// The stage's kind, with its role small above it.
function stageCell(s) {
  const td = cell("", "stage-name");
  td.append(el("small", "role", s.role), el("span", "", s.kind));
  return td;
}

// "in → out" for chunks or bytes; a source has no input, a sink no output.
function inOut(s, unit) {
  const td = cell("", `${unit}`);
  td.append(
    el("span", `${unit}-in`, s.role === "source" ? "–" : formatCount(s[`${unit}In`])),
    " → ",
    el("span", `${unit}-out`, s.role === "sink" ? "–" : formatCount(s[`${unit}Out`])),
  );
  return td;
}

// A small canvas line of the last SPARK_POINTS throughput samples.
function sparkline(values) {
  const canvas = el("canvas", "spark");
  canvas.width = 80;
  canvas.height = 18;
  canvas.setAttribute("aria-hidden", "true");
  const ctx = canvas.getContext("2d");
  const max = Math.max(1, ...values);
  ctx.strokeStyle = "#0b6e4f";
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  values.forEach((v, i) => {
    const x = (i / (SPARK_POINTS - 1)) * canvas.width;
    const y = canvas.height - 1 - (v / max) * (canvas.height - 2);
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.stroke();
  return canvas;
}

export function formatMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

export class LiveView {
  constructor(root) {
    this.body = root.querySelector(".stages tbody");
    this.flow = root.querySelector(".flow");
    this.report = root.querySelector(".report");
    this.progress = root.querySelector("progress");
    this.eta = root.querySelector(".eta");
    this.downloadName = "pipewright-output.bin";
    this.reset();
  }

  reset() {
    for (const a of this.report.querySelectorAll("a.download")) URL.revokeObjectURL(a.href);
    this.body.replaceChildren();
    this.flow.replaceChildren();
    this.report.replaceChildren();
    this.lastSample = null;
    this.rates = [];
    this.chunkRates = [];
    this.history = [];
    this.maxQueue = [];
    this.maxRead = [];
    this.maxServer = [];
    this.progress.value = 0;
    this.progress.parentElement.hidden = true;
  }

  // A metrics snapshot. Returns the throughputs ({ bytes, chunks } per
  // second per stage) when a new sample was taken. With `render: false`
  // (a replay catching up) the table is left for the last snapshot.
  update(snapshot, { render = true } = {}) {
    let sampled = null;
    // Before the first snapshot everything stood at zero: the first rates
    // cover the run's start (a push source may be done by then).
    const prev = this.lastSample ?? {
      elapsedMs: 0,
      stages: snapshot.stages.map(() => ({ bytesIn: 0, bytesOut: 0, chunksIn: 0, chunksOut: 0 })),
    };
    snapshot.stages.forEach((s, i) => {
      this.maxQueue[i] = Math.max(this.maxQueue[i] ?? 0, s.queue);
      // A duplex stage's other side and its server.
      if (s.readHighWaterMark !== undefined) {
        this.maxRead[i] = Math.max(this.maxRead[i] ?? 0, s.readQueue);
        this.maxServer[i] = Math.max(this.maxServer[i] ?? 0, s.serverHeld);
      }
    });
    if (snapshot.elapsedMs - prev.elapsedMs >= 100) {
      this.rates = throughputs(prev, snapshot);
      this.chunkRates = throughputs(prev, snapshot, "chunks");
      this.rates.forEach((r, i) => {
        const h = (this.history[i] ??= []);
        h.push(r);
        if (h.length > SPARK_POINTS) h.shift();
      });
      sampled = { bytes: this.rates, chunks: this.chunkRates };
      this.lastSample = snapshot;
    }
    if (render) {
      this.showProgress(snapshot);
      this.render(snapshot.stages);
    }
    return sampled;
  }

  showProgress(snapshot) {
    const source = snapshot.stages[0];
    if (!source?.totalBytes) return;
    const done = Math.min(source.bytesOut, source.totalBytes);
    this.progress.parentElement.hidden = false;
    this.progress.max = source.totalBytes;
    this.progress.value = done;
    const rate = this.rates[0] ?? 0;
    const left = source.totalBytes - done;
    const pct = `${Math.floor((done / source.totalBytes) * 100)} %`;
    this.eta.textContent = left === 0 ? `${pct} · all read` : rate > 0 ? `${pct} · about ${formatMs((left / rate) * 1000)} left` : `${pct} · ETA when data flows`;
  }

  render(stages) {
    const rows = stages.map((s, i) => {
      const tr = el("tr");
      tr.dataset.kind = s.kind;
      tr.dataset.role = s.role;
      tr.dataset.maxQueue = String(this.maxQueue[i] ?? s.queue);
      const tank = el("span");
      const level = s.highWaterMark > 0 ? Math.min(1, s.queue / s.highWaterMark) : s.queue > 0 ? 1 : 0;
      tank.className = `tank${level >= 1 ? " full" : ""}`;
      const fill = el("span");
      fill.style.width = `${level * 100}%`;
      tank.append(fill);
      // A queue that ran past its mark (no backpressure) keeps its peak.
      const peak = this.maxQueue[i] ?? 0;
      const queue = cell(`${formatCount(s.queue)} / ${s.highWaterMark}${peak > s.highWaterMark ? ` · peak ${formatCount(peak)}` : ""}`, "queue");
      queue.prepend(tank);
      if (s.readHighWaterMark !== undefined) {
        // A duplex stage: the queue above is its writable side's; its
        // readable side and its server have their own.
        tr.dataset.maxReadQueue = String(this.maxRead[i] ?? s.readQueue);
        tr.dataset.maxServer = String(this.maxServer[i] ?? s.serverHeld);
        queue.prepend(el("small", "side", "writes "));
        queue.append(el("br"), el("small", "side", `reads ${formatCount(s.readQueue)} / ${s.readHighWaterMark} · server ${s.serverHeld} / ${s.serverChunks}`));
      }
      const rate = cell("", "rate");
      rate.append(sparkline(this.history[i] ?? []), el("span", "", this.rateText(i)));
      tr.append(
        stageCell(s),
        placement(s),
        cell(s.state, `state ${s.state}`),
        queue,
        inOut(s, "chunks"),
        inOut(s, "bytes"),
        rate,
        // Measured by the stage: time it spent pushing back on its writer.
        cell(formatMs(s.stalledMs ?? 0), "stall"),
      );
      if (s.error) tr.title = s.error;
      return tr;
    });
    this.body.replaceChildren(...rows);
    this.renderFlow(stages);
  }

  // Stage i's rate: bytes per second, or chunks per second for a stage
  // whose chunks are records (they carry no byte count).
  rateText(i) {
    const bytes = this.rates[i] ?? 0;
    const chunks = this.chunkRates[i] ?? 0;
    return bytes === 0 && chunks > 0 ? `${formatCount(chunks)} chunks/s` : formatRate(bytes);
  }

  // The stages in a row, and on each link the rate flowing through it.
  renderFlow(stages) {
    const items = [];
    stages.forEach((s, i) => {
      if (i > 0) {
        const link = el("li", "link");
        const text = this.rateText(i - 1);
        link.append(el("span", "arrow", "→"), el("span", "link-rate", text));
        link.setAttribute("aria-label", `flow from ${stages[i - 1].kind} to ${s.kind}: ${text}`);
        link.classList.toggle("moving", (this.chunkRates[i - 1] ?? 0) > 0);
        items.push(link);
      }
      const node = el("li", `node ${s.state}`);
      node.append(el("span", "node-kind", s.kind), el("span", "node-state", s.state));
      items.push(node);
    });
    this.flow.replaceChildren(...items);
  }

  finished(report) {
    // Over the whole run, so a run shorter than one sample still shows a rate.
    const seconds = report.durationMs / 1000;
    const whole = (unit) => report.stages.map((s) => (seconds > 0 ? s[`${unit}${s.role === "sink" ? "In" : "Out"}`] / seconds : 0));
    this.rates = whole("bytes");
    this.chunkRates = whole("chunks");
    this.render(report.stages);
    if (!this.progress.parentElement.hidden) {
      this.progress.value = this.progress.max;
      this.eta.textContent = `100 % · done in ${formatMs(report.durationMs)}`;
    }
    const dl = el("dl");
    const add = (term, value, cls) => {
      dl.append(el("dt", "", term), el("dd", cls, value));
    };
    add("Result", "done", "result");
    add("Duration", `${report.durationMs.toFixed(0)} ms`);
    add("Chunks at the sink", formatCount(report.totals.chunks), "total-chunks");
    add("Bytes at the sink", formatCount(report.totals.bytes), "total-bytes");
    add("Average rate", formatRate(seconds > 0 ? report.totals.bytes / seconds : 0));
    add("Wasm memory", formatBytes(report.wasmMemoryBytes));
    const extras = [];
    for (const stage of report.stages) {
      // The upload sink: how the body went, and what the server counted.
      if (stage.uploadBody) {
        const how =
          stage.uploadBody === "streamed"
            ? "streamed: one request, its body a ReadableStream"
            : "chunked: one request per chunk (this engine cannot stream a request body to this server: Firefox and WebKit have no request streams, Chromium sends them only over HTTP/2)";
        add("Upload body", how, "upload-body");
        add("Requests", formatCount(stage.requests), "upload-requests");
        add("The server counted", `${formatCount(stage.serverLines)} lines, ${formatCount(stage.serverBytes)} bytes`, "upload-counted");
      }
      if (stage.rejected > 0) add(`${stage.kind} rejected`, formatCount(stage.rejected), `rejected-${stage.kind}`);
      // How to show a result is the catalogue's call (`view`).
      const view = this.catalog?.find((s) => s.role === stage.role && s.kind === stage.kind)?.view;
      if (stage.result !== undefined && view === "text") {
        extras.push(el("pre", "preview", stage.result));
      } else if (stage.result !== undefined) {
        add(`${stage.kind} result`, stage.result, `result-${stage.kind}`);
      }
      if (stage.details?.firstRejected?.length) extras.push(this.detailsList(stage));
      if (stage.blob) extras.push(downloadLink(stage.blob, this.downloadName));
    }
    this.report.replaceChildren(dl, ...extras);
  }

  // The first rejected records of a stage, with their reasons.
  detailsList(stage) {
    const box = el("div", "details");
    const first = stage.details.firstRejected;
    box.append(el("h3", "", `${stage.kind}: the first ${first.length} of ${formatCount(stage.details.rejected)} rejected, with reasons`));
    const list = el("ol", "rejects");
    for (const d of first) list.append(el("li", "", `record ${d.line}: ${d.reason}`));
    box.append(list);
    return box;
  }

  failed(error, aborted) {
    const stage = error && error.stage ? ` (stage ${error.stage})` : "";
    const text = aborted ? `Aborted: ${error?.message ?? error}` : `${error?.name ?? "Error"}${stage}: ${error?.message ?? error}`;
    this.report.replaceChildren(el("p", "error", text));
  }
}
