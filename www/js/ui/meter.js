// The main-thread responsiveness meter: the longest gap between animation
// frames in the last second. A page that keeps up draws every ~16 ms; work
// on the main thread shows up as long gaps, work in Workers does not.
// `finishRun()` gives the longest gap since the last `startRun()`.

export function startMeter(element) {
  const gaps = [];
  let last = performance.now();
  let runStart = 0;
  let runMax = 0;
  const meter = {
    startRun() {
      runStart = performance.now();
      runMax = 0;
    },
    // The longest gap since startRun(), counting a gap still open now (a
    // run that blocked the thread to its end has drawn no frame yet).
    finishRun() {
      return Math.max(runMax, performance.now() - Math.max(last, runStart));
    },
  };
  const frame = (now) => {
    const gap = now - last;
    gaps.push([now, gap]);
    runMax = Math.max(runMax, now - Math.max(last, runStart));
    last = now;
    while (gaps.length > 1 && gaps[0][0] < now - 1000) gaps.shift();
    let worst = 0;
    for (const [, g] of gaps) worst = Math.max(worst, g);
    element.textContent = `${Math.round(worst)} ms`;
    element.dataset.ms = String(Math.round(worst));
    element.classList.toggle("janky", worst > 100);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  return meter;
}
