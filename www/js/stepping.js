// Step mode's driver: runPipeline's `gate` holds the sink before each chunk
// until Step is pressed; after a press it waits until the pipeline has
// settled (the sink waits at the gate again, or the run ended, and the
// snapshots have agreed for a while) and hands the narration of what moved to
// `onStep`. Presses made while a step is still settling queue up. Free of
// the DOM.

import { narrateStep } from "./narrate.js";

// Settled: this many snapshots in a row unchanged, over at least QUIET_MS
// (a step's moves can span several tasks: a busy machine spaces them out).
const QUIET = 3;
const QUIET_MS = 100;

// What changes when anything moves: counts, queues, states, drains, and
// what a Worker has in flight.
function movement(snapshot) {
  return JSON.stringify(snapshot.stages.map((s) => [s.chunksIn, s.chunksOut, s.queue, s.state, s.drains, s.workers?.map((w) => w.inFlight)]));
}

export class StepRun {
  constructor(onStep) {
    this.onStep = onStep;
    this.latest = null;
    this.release = null;
    this.atGate = false;
    this.ended = false;
    this.free = false;
    this.pending = 0;
    this.steps = 0;
    this.waiters = [];
    this.gate = (snapshot) => {
      this.latest = snapshot;
      if (this.free) return undefined;
      this.atGate = true;
      const held = new Promise((resolve) => {
        this.release = resolve;
      });
      this.notify();
      return held;
    };
    this.started = this.settle().then((after) => this.onStep(narrateStep(0, null, after)));
    this.driving = null;
  }

  // A metrics snapshot from runPipeline's onMetrics.
  metrics(snapshot) {
    this.latest = snapshot;
    this.notify();
  }

  // The run ended (done, failed or aborted), with its last snapshot.
  end(snapshot) {
    if (this.ended) return;
    if (snapshot) this.latest = snapshot;
    this.ended = true;
    this.notify();
  }

  notify() {
    const waiting = this.waiters;
    this.waiters = [];
    for (const f of waiting) f();
  }

  changed() {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async settle() {
    while (!this.atGate && !this.ended) await this.changed();
    let last = movement(this.latest);
    let since = performance.now();
    for (let quiet = 0; (quiet < QUIET || performance.now() - since < QUIET_MS) && !this.ended; ) {
      await this.changed();
      const now = movement(this.latest);
      if (now === last) quiet += 1;
      else {
        quiet = 0;
        since = performance.now();
      }
      last = now;
    }
    return this.latest;
  }

  // One press of Step: the sink may take one more chunk.
  press() {
    if (this.free || this.ended) return;
    this.pending += 1;
    this.driving ??= this.drive().finally(() => {
      this.driving = null;
    });
  }

  async drive() {
    await this.started;
    while (this.pending > 0 && !this.ended) {
      this.pending -= 1;
      const before = this.latest;
      this.atGate = false;
      const release = this.release;
      this.release = null;
      release?.();
      this.steps += 1;
      const after = await this.settle();
      this.onStep(narrateStep(this.steps, before, after));
    }
  }

  // Leaves step mode: the rest of the run goes at full speed.
  runToEnd() {
    this.free = true;
    this.pending = 0;
    const release = this.release;
    this.release = null;
    release?.();
  }
}
