// The main-thread responsiveness meter: the longest gap between animation
// frames in the last second. A page that keeps up draws every ~16 ms; work
// on the main thread shows up as long gaps, work in Workers does not.

export function startMeter(element) {
  const gaps = [];
  let last = performance.now();
  const frame = (now) => {
    gaps.push([now, now - last]);
    last = now;
    while (gaps.length > 1 && gaps[0][0] < now - 1000) gaps.shift();
    const worst = Math.max(...gaps.map(([, gap]) => gap));
    element.textContent = `${Math.round(worst)} ms`;
    element.dataset.ms = String(Math.round(worst));
    element.classList.toggle("janky", worst > 100);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}
