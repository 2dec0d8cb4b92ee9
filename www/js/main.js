// Boots the playground: loads the wasm package, builds the UI from the
// catalogue, runs pipelines with runPipeline and shows their metrics.

import init, { catalog, runPipeline, validateSpec } from "../pkg/pipewright.js";
import { DEFAULT_SPEC, shareFragment, specFromFragment } from "./model.js";
import { Builder } from "./ui/builder.js";
import { LiveView } from "./ui/live.js";
import { startMeter } from "./ui/meter.js";

const $ = (sel) => document.querySelector(sel);

async function main() {
  startMeter($("#responsiveness"));
  await init();
  // A shared link restores its pipeline; a malformed or hostile one gets a
  // message (as text) and the default pipeline.
  let start = DEFAULT_SPEC;
  let problem = null;
  const shared = specFromFragment(location.hash);
  if (shared.error) problem = shared.error;
  if (shared.spec) {
    try {
      validateSpec(shared.spec);
      start = shared.spec;
    } catch (e) {
      problem = e.message;
    }
  }
  const builder = new Builder(catalog(), $("#builder"), start);
  const live = new LiveView($("#stages"), $("#report"));
  const status = $("#status");
  const runButton = $("#run");
  const abortButton = $("#abort");
  let controller = null;
  let latest = null;
  let frame = 0;

  // Metrics arrive every 100 ms; paint them on the next animation frame.
  const paint = () => {
    frame = 0;
    if (latest) live.update(latest);
  };

  runButton.addEventListener("click", async () => {
    controller = new AbortController();
    runButton.disabled = true;
    abortButton.disabled = false;
    status.className = "";
    status.textContent = "Running…";
    live.reset();
    latest = null;
    try {
      const report = await runPipeline(builder.spec(), {
        signal: controller.signal,
        onMetrics: (snapshot) => {
          latest = snapshot;
          frame ||= requestAnimationFrame(paint);
        },
      });
      cancelAnimationFrame(frame);
      frame = 0;
      live.finished(report);
      status.textContent = "Done.";
    } catch (error) {
      cancelAnimationFrame(frame);
      frame = 0;
      // The last snapshot shows where it stopped: which stage failed, and
      // that the source was cancelled.
      if (latest) live.render(latest.stages);
      const aborted = controller.signal.aborted;
      live.failed(error, aborted);
      status.className = aborted ? "" : "error";
      status.textContent = aborted ? "Aborted." : "Failed.";
    } finally {
      runButton.disabled = false;
      abortButton.disabled = true;
      runButton.textContent = "Run again";
    }
  });
  abortButton.addEventListener("click", () => controller?.abort(new Error("aborted by the user")));
  $("#share").addEventListener("click", () => {
    history.replaceState(null, "", shareFragment(builder.spec()));
    const field = $("#share-url");
    field.value = location.href;
    field.parentElement.hidden = false;
    field.select();
  });
  runButton.disabled = false;
  status.textContent = problem ? `The shared link could not be loaded: ${problem}. This is the default pipeline.` : "Ready.";
  if (problem) status.className = "error";
}

main().catch((error) => {
  const status = $("#status");
  status.className = "error";
  status.textContent = `Could not start: ${error.message ?? error}`;
  console.error(error);
});
