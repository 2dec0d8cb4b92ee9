// The main-thread responsiveness meter: the longest gap between animation
// frames in the last second. A page that keeps up draws every ~16 ms; work
// on the main thread shows up as long gaps, work in Workers does not.
// `finishRun()` gives the longest gap since the last `startRun()`.
// `stop()` ends its animation-frame loop (a removed playground must not
// keep one running); `start()` begins it again.

// `canvas`, if given, shows the last few seconds of frame gaps as bars: a
// tall bar is a frame the page could not draw in time.
export function startMeter(element, canvas) {
  const gaps = [];
  const recent = [];
  const ctx = canvas?.getContext("2d");
  let last = performance.now();
  let runStart = 0;
  let runMax = 0;
  let request = 0;
  const meter = {
    stop() {
      cancelAnimationFrame(request);
      request = 0;
    },
    start() {
      if (request) return;
      last = performance.now();
      request = requestAnimationFrame(frame);
    },
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
    if (ctx) {
      recent.push(gap);
      if (recent.length > canvas.width / 2) recent.shift();
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      recent.forEach((g, i) => {
        const h = Math.max(1, Math.min(1, g / 200) * canvas.height);
        ctx.fillStyle = g > 100 ? "#b91c1c" : g > 34 ? "#b45309" : "#0b6e4f";
        ctx.fillRect(i * 2, canvas.height - h, 1.5, h);
      });
    }
    request = requestAnimationFrame(frame);
  };
  meter.start();
  return meter;
}
