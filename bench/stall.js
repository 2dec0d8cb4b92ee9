// The bench's stall limit: a stage that hangs fails the run naming where it
// was, instead of leaving `npm run bench` silent until the script timeout
// (an hour). Each section, and each stage row, says when it starts with
// step(); a run with no step for `stallMs` is rejected with that step.
let current = { step: "starting", at: 0 };

export function step(name) {
  current = { step: name, at: performance.now() };
}

export async function withStallLimit(work, stallMs, everyMs = 1000) {
  step("starting");
  let timer;
  const stalled = new Promise((_, reject) => {
    timer = setInterval(() => {
      const quiet = performance.now() - current.at;
      if (quiet > stallMs) reject(new Error(`bench: no progress for ${(quiet / 1000).toFixed(1)} s in "${current.step}"`));
    }, everyMs);
  });
  try {
    return await Promise.race([work(), stalled]);
  } finally {
    clearInterval(timer);
  }
}
