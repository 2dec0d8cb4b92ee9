// The live view: one row per stage with its state, queue against its
// high-water mark, counts and throughput; and the final report.

import { formatBytes, formatCount, formatRate, throughputs } from "../model.js";

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

// A link that saves `blob`; its object URL is revoked when the next run
// replaces the report.
function downloadLink(blob, name) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.className = "download";
  a.textContent = `Download ${name} (${formatBytes(blob.size)})`;
  return a;
}

// Where a stage runs: the main thread, its own Worker, or a pool.
function placement(s) {
  if (s.placement === "worker") return `worker · ${Math.round(s.workerBusyMs)} ms busy`;
  if (s.placement === "pool") {
    const load = s.workers.map((w) => w.inFlight).join("/");
    return `pool ×${s.workers.length} · in flight ${load} · restarts ${s.restarts}`;
  }
  return "main";
}

export class LiveView {
  constructor(table, report) {
    this.body = table.querySelector("tbody");
    this.report = report;
    this.previous = null;
    this.rates = [];
    this.downloadName = "pipewright-output.bin";
  }

  reset() {
    for (const a of this.report.querySelectorAll("a.download")) URL.revokeObjectURL(a.href);
    this.body.replaceChildren();
    this.report.replaceChildren();
    this.previous = null;
    this.rates = [];
  }

  update(snapshot) {
    if (this.previous && snapshot.elapsedMs - this.previous.elapsedMs >= 200) {
      this.rates = throughputs(this.previous, snapshot);
      this.previous = snapshot;
    } else if (!this.previous) {
      this.previous = snapshot;
    }
    this.render(snapshot.stages);
  }

  render(stages) {
    const rows = stages.map((s, i) => {
      const tr = document.createElement("tr");
      tr.dataset.kind = s.kind;
      tr.dataset.role = s.role;
      const tank = document.createElement("span");
      const level = s.highWaterMark > 0 ? Math.min(1, s.queue / s.highWaterMark) : s.queue > 0 ? 1 : 0;
      tank.className = `tank${level >= 1 ? " full" : ""}`;
      const fill = document.createElement("span");
      fill.style.width = `${level * 100}%`;
      tank.append(fill);
      const queue = cell(`${s.queue} / ${s.highWaterMark}`, "queue");
      queue.prepend(tank);
      tr.append(
        cell(String(i)),
        cell(`${s.role}: ${s.kind}`),
        cell(placement(s), "where"),
        cell(s.state, `state ${s.state}`),
        queue,
        cell(s.role === "source" ? "–" : formatCount(s.chunksIn), "chunks-in"),
        cell(s.role === "sink" ? "–" : formatCount(s.chunksOut), "chunks-out"),
        cell(s.role === "source" ? "–" : formatCount(s.bytesIn), "bytes-in"),
        cell(s.role === "sink" ? "–" : formatCount(s.bytesOut), "bytes-out"),
        cell(formatRate(this.rates[i] ?? 0), "rate"),
      );
      if (s.error) tr.title = s.error;
      return tr;
    });
    this.body.replaceChildren(...rows);
  }

  finished(report) {
    // Over the whole run, so a run shorter than one sample still shows a rate.
    const seconds = report.durationMs / 1000;
    this.rates = report.stages.map((s) => (seconds > 0 ? (s.role === "sink" ? s.bytesIn : s.bytesOut) / seconds : 0));
    this.render(report.stages);
    const dl = document.createElement("dl");
    const add = (term, value, cls) => {
      const dd = document.createElement("dd");
      dd.textContent = value;
      if (cls) dd.className = cls;
      dl.append(Object.assign(document.createElement("dt"), { textContent: term }), dd);
    };
    add("Result", "done", "result");
    add("Duration", `${report.durationMs.toFixed(0)} ms`);
    add("Chunks at the sink", formatCount(report.totals.chunks), "total-chunks");
    add("Bytes at the sink", formatCount(report.totals.bytes), "total-bytes");
    add("Average rate", formatRate(seconds > 0 ? report.totals.bytes / seconds : 0));
    add("Wasm memory", formatBytes(report.wasmMemoryBytes));
    const extras = [];
    for (const stage of report.stages) {
      if (stage.result !== undefined && stage.kind === "preview") {
        extras.push(Object.assign(document.createElement("pre"), { className: "preview", textContent: stage.result }));
      } else if (stage.result !== undefined) {
        add(`${stage.kind} result`, stage.result, `result-${stage.kind}`);
      }
      if (stage.blob) extras.push(downloadLink(stage.blob, this.downloadName));
    }
    this.report.replaceChildren(dl, ...extras);
  }

  failed(error, aborted) {
    const p = document.createElement("p");
    p.className = "error";
    const stage = error && error.stage ? ` (stage ${error.stage})` : "";
    p.textContent = aborted ? `Aborted: ${error?.message ?? error}` : `${error?.name ?? "Error"}${stage}: ${error?.message ?? error}`;
    this.report.replaceChildren(p);
  }
}
