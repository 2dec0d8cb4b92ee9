// Step mode's narration: what one press of Step set moving, read from the
// pipeline's snapshot before the press and once it has settled, told in the
// WHATWG streams' words and in Node's. Free of the DOM.

const times = (n) => (n === 1 ? "" : ` ×${n}`);
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
const name = (s) => `${s.role} ${s.kind}`;
const desired = (s) => s.highWaterMark - s.queue;

// Each stage's desiredSize, and in Node's terms how full its buffer is.
function levels(stages) {
  return {
    web: `desiredSize now: ${stages.map((s) => `${s.kind} ${desired(s)}`).join(" · ")}`,
    node: `buffered / highWaterMark: ${stages.map((s) => `${s.kind} ${s.queue}/${s.highWaterMark}`).join(" · ")}`,
  };
}

// What the source did: pulls that enqueued, and whether it stopped.
function sourceLines(before, s) {
  const lines = [];
  const n = s.chunksOut - (before?.chunksOut ?? 0);
  if (n > 0 && s.kind === "iterable") {
    // A generator source: each pull resumes the generator's body once.
    lines.push({
      stage: name(s),
      web: `pull() ran${times(n)}: iterator.next() resumed the generator's body, which yielded ${plural(n, "chunk")}`,
      node: `_read() called${times(n)}: Readable.from(generator) called next() for ${plural(n, "value")}`,
    });
  } else if (n > 0) {
    lines.push({ stage: name(s), web: `pull() ran${times(n)}: enqueue() of ${plural(n, "chunk")}`, node: `_read() called${times(n)}: push() of ${plural(n, "chunk")}` });
  }
  if (s.state === "done" && before?.state !== "done") {
    lines.push({ stage: name(s), web: "controller.close(): nothing more to pull", node: "push(null): 'end'" });
  } else if (n > 0 && s.backpressured) {
    lines.push({ stage: name(s), web: `desiredSize ${desired(s)}: pull() waits until the reader takes a chunk`, node: "push() returned false: no _read() until the buffer drains" });
  }
  return lines;
}

// What a transform or the sink did with the chunks it took.
function writableLines(before, s) {
  const lines = [];
  const taken = s.chunksIn - (before?.chunksIn ?? 0);
  const made = s.chunksOut - (before?.chunksOut ?? 0);
  if (s.role === "sink" && taken > 0) {
    const first = (before?.chunksIn ?? 0) + 1;
    const which = taken === 1 ? `chunk ${first}` : `chunks ${first}–${s.chunksIn}`;
    lines.push({ stage: name(s), web: `write(${which}) ran and its promise resolved`, node: `_write(${which}) called back: the chunk is done` });
  } else if (taken > 0 || made > 0) {
    lines.push({ stage: name(s), web: `transform() ran${times(taken)}: enqueue() of ${plural(made, "chunk")}`, node: `_transform() called${times(taken)}: push() of ${plural(made, "chunk")}` });
  }
  const drains = (s.drains ?? 0) - (before?.drains ?? 0);
  if (drains > 0) {
    lines.push({ stage: name(s), web: `its queue fell below highWaterMark ${s.highWaterMark}: writer.ready resolved${times(drains)}`, node: `'drain'${times(drains)}: write() may be called again` });
  }
  if ((taken > 0 || drains > 0) && s.backpressured) {
    lines.push({ stage: name(s), web: `full again (queue ${s.queue} / ${s.highWaterMark}): desiredSize ${desired(s)}`, node: "write() returns false again" });
  }
  if (s.state === "done" && before?.state !== "done") {
    lines.push(s.role === "sink" ? { stage: name(s), web: "close() resolved: pipeTo resolves", node: "'finish': every write is done" } : { stage: name(s), web: "flush() ran: its readable side closes", node: "_flush(), then 'end'" });
  }
  return lines;
}

// The narration of step `k` (0: the start, before any press) from the
// snapshot `before` (null at the start) to `after`: `{ step, title, lines }`,
// each line `{ stage, web, node }`, the last one every stage's level.
export function narrateStep(k, before, after) {
  const lines = [];
  // In the order things happen: at the start the source fills first; a
  // press frees the sink first, and each freed slot lets the stage above
  // it hand one more down, back up to the source.
  const order = after.stages.map((s, i) => i);
  if (k > 0) order.reverse();
  for (const i of order) {
    const s = after.stages[i];
    const b = before?.stages[i];
    lines.push(...(s.role === "source" ? sourceLines(b, s) : writableLines(b, s)));
  }
  const sink = after.stages.at(-1);
  const ended = sink.state === "done";
  const taken = sink.chunksIn - (before?.stages.at(-1).chunksIn ?? 0);
  const pulled = after.stages[0].chunksOut - (before?.stages[0].chunksOut ?? 0);
  let title;
  if (k === 0) title = "Start: each stage fills its queue up to its highWaterMark, then the sink waits for Step";
  else if (ended) title = `Step ${k}: the sink took the last chunk; the pipeline is done`;
  else {
    title = `Step ${k}: the sink took ${plural(taken, "chunk")}`;
    title += pulled > 0 ? `, and the source was pulled for ${plural(pulled, "more chunk")}` : ", and the source was not pulled";
  }
  if (!lines.length) lines.push({ stage: "pipeline", web: "nothing moved", node: "nothing moved" });
  lines.push({ stage: "pipeline", ...levels(after.stages) });
  return { step: k, title, lines };
}
