// Loaded first in every page the end-to-end tests serve (the test server
// puts it at the top of <head>; `npm start` never does). It records, in the
// same way in every engine, what the tests check after each step: console
// errors, uncaught exceptions and rejections, resources that failed to load,
// console.log lines, and any alert/confirm/prompt a hostile input might open.
// WebDriver classic has no console or dialog events in all three engines, so
// the page keeps the record and the test reads it.
(() => {
  const watch = { problems: [], logs: [], dialogs: [] };
  window.__pwWatch = watch;
  const text = (args) => args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : typeof a === "string" ? a : (() => { try { return JSON.stringify(a); } catch { return String(a); } })())).join(" ");
  const { error, log } = console;
  console.error = (...args) => {
    watch.problems.push(`console.error: ${text(args)}`);
    error.apply(console, args);
  };
  console.log = (...args) => {
    watch.logs.push(args.length === 1 && typeof args[0] === "object" && args[0] !== null ? args[0] : text(args));
    log.apply(console, args);
  };
  // Capturing: an <img>, <script> or <link> that fails to load fires a
  // non-bubbling error event at itself.
  window.addEventListener(
    "error",
    (e) => {
      if (e instanceof ErrorEvent) watch.problems.push(`uncaught: ${e.message}`);
      else if (e.target && e.target !== window) watch.problems.push(`failed to load: ${e.target.src || e.target.href || e.target.tagName}`);
    },
    true,
  );
  // Anything the page's Content-Security-Policy blocked: under the policy
  // every test's page must run without one (tests/e2e/csp.test.mjs provokes
  // some on purpose and checks they are here).
  document.addEventListener("securitypolicyviolation", (e) => watch.problems.push(`csp: ${e.effectiveDirective} blocked ${e.blockedURI || "(inline)"}`));
  // One the page itself declares handled (preventDefault() in a later
  // listener, as the package does for its own dead futures after a wasm
  // crash) is not a problem: the check waits for the event's other listeners.
  window.addEventListener("unhandledrejection", (e) =>
    setTimeout(() => {
      if (!e.defaultPrevented) watch.problems.push(`unhandled rejection: ${e.reason?.message ?? e.reason}`);
    }),
  );
  for (const name of ["alert", "confirm", "prompt"]) {
    window[name] = (message) => {
      watch.dialogs.push(`${name}: ${message}`);
      return null;
    };
  }
  // An unusual locale, as WebKit reports with no LANG set ("C"), for the
  // test that the page survives one: ?pw-locale=C.
  const locale = new URLSearchParams(location.search).get("pw-locale");
  if (locale) Object.defineProperty(Navigator.prototype, "language", { get: () => locale, configurable: true });
})();
