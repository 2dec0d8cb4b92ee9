// The page's generator source, for the `iterable` source: an async
// generator whose body runs only when the stream pulls (each pull() calls
// next() once). The Code tab shows this very function's text.

export const GENERATOR_LINES = 200;

export async function* lines(count, seen = () => {}) {
  for (let i = 1; i <= count; i += 1) {
    // Reached only when the stream's pull() calls next().
    seen(i);
    yield `line ${i} of ${count}\n`;
  }
}
