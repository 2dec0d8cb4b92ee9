// The pipeline model, free of the DOM: the default pipeline, the spec a
// builder state stands for, and number formatting.

export const DEFAULT_SPEC = {
  source: { kind: "counter", count: 2000 },
  stages: [{ kind: "uppercase" }],
  sink: { kind: "throttle", chunksPerSecond: 500 },
};

// The stages of `role` from the catalogue.
export function stagesOf(catalog, role) {
  return catalog.filter((s) => s.role === role);
}

// A stage spec with only the options that differ from the defaults, so a
// spec stays short and readable.
export function stageSpec(info, values) {
  const spec = { kind: info.kind };
  for (const p of info.params) {
    if (p.name in values && values[p.name] !== p.default) spec[p.name] = values[p.name];
  }
  return spec;
}

// Parses a form field's text as the param's type. Returns the raw text when it
// is not a number, so the API's own validation names the problem.
export function parseParam(param, text, checked) {
  if (param.type === "boolean") return Boolean(checked);
  if (param.type === "integer" || param.type === "number") {
    const n = Number(text);
    return text.trim() === "" || Number.isNaN(n) ? text : n;
  }
  return text;
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

export function formatBytes(n) {
  let i = 0;
  while (n >= 1024 && i < UNITS.length - 1) {
    n /= 1024;
    i += 1;
  }
  return `${i === 0 ? Math.round(n) : n.toFixed(1)} ${UNITS[i]}`;
}

export function formatCount(n) {
  return Math.round(n).toLocaleString("en-US");
}

export function formatRate(bytesPerSecond) {
  return `${formatBytes(bytesPerSecond)}/s`;
}

// Bytes (or, with unit "chunks", chunks) per second of each stage between
// two metrics snapshots: a stage's output (its input, for the sink).
export function throughputs(previous, current, unit = "bytes") {
  const dt = (current.elapsedMs - previous.elapsedMs) / 1000;
  return current.stages.map((s, i) => {
    const before = previous.stages[i];
    if (!before || dt <= 0) return 0;
    const side = s.role === "sink" ? "In" : "Out";
    return (s[`${unit}${side}`] - before[`${unit}${side}`]) / dt;
  });
}

// Every stage of a spec with its role and path: source, stages[i], sink.
function placed(spec) {
  return [
    { role: "source", path: "source", stage: spec.source },
    ...(spec.stages ?? []).map((stage, i) => ({ role: "transform", path: `stages[${i}]`, stage })),
    { role: "sink", path: "sink", stage: spec.sink },
  ];
}

// The names of `stage`'s secret params (a passphrase), from the catalogue.
export function secretsOf(catalog, role, kind) {
  return stageInfo(catalog, role, kind)?.params.filter((p) => p.secret).map((p) => p.name) ?? [];
}

// The spec a link or a page may show: secrets left out. `{ spec, left }`,
// `left` naming the paths of the secrets that had a value.
export function publicSpec(catalog, spec) {
  const left = [];
  const strip = ({ role, path, stage }) => {
    const copy = { ...stage };
    for (const name of secretsOf(catalog, role, stage.kind)) {
      if (copy[name]) left.push(`${path}.${name}`);
      delete copy[name];
    }
    return copy;
  };
  const [source, ...rest] = placed(spec).map(strip);
  const sink = rest.pop();
  return { spec: { ...spec, source, stages: rest, sink }, left };
}

// The paths of secrets the spec still needs before it can run (empty).
export function missingSecrets(catalog, spec) {
  return placed(spec).flatMap(({ role, path, stage }) => secretsOf(catalog, role, stage.kind).filter((name) => !stage[name]).map((name) => `${path}.${name}`));
}

// The share link's fragment for a spec. Files cannot travel in a link: blob
// params are left out (and secrets: pass the spec through publicSpec).
export function shareFragment(spec) {
  const json = JSON.stringify(spec, (key, value) => (value instanceof Blob ? undefined : value));
  return `#spec=${encodeURIComponent(json)}`;
}

// The spec a fragment carries: `{ spec }`, `{ error }` when it is malformed,
// or `{}` when there is none. It is only ever parsed as JSON.
export function specFromFragment(hash) {
  const match = /^#spec=(.*)$/s.exec(hash ?? "");
  if (!match) return {};
  try {
    return { spec: JSON.parse(decodeURIComponent(match[1])) };
  } catch (e) {
    return { error: `it is not a pipeline spec (${e.message})` };
  }
}

// A catalogue entry by role and kind.
export function stageInfo(catalog, role, kind) {
  return catalog.find((s) => s.role === role && s.kind === kind);
}

// The source that reads a File or Blob: the one with a `blob` param, and
// that param's name.
export function fileSource(catalog) {
  for (const info of stagesOf(catalog, "source")) {
    const param = info.params.find((p) => p.type === "blob");
    if (param) return { info, param: param.name };
  }
  return null;
}

// The source fed by a JS iterable (an async generator): the one with an
// `iterable` param, and that param's name.
export function iterableSource(catalog) {
  for (const info of stagesOf(catalog, "source")) {
    const param = info.params.find((p) => p.type === "iterable");
    if (param) return { info, param: param.name };
  }
  return null;
}

// The name a collected download gets: the file's own name, or the one the
// catalogue gives the source's data (`users.{format}` takes the option's
// value), changed by each transform the catalogue says changes the format,
// e.g. `notes.txt` through gzip is `notes.txt.gz`.
export function downloadName(catalog, spec, fileName) {
  const source = stageInfo(catalog, "source", spec.source.kind);
  const option = (name) => spec.source[name] ?? source.params.find((p) => p.name === name)?.default;
  let name = fileName || source?.fileName?.replace(/\{(\w+)\}/g, (_, key) => option(key)) || "output.bin";
  for (const stage of spec.stages ?? []) {
    const rule = stageInfo(catalog, "transform", stage.kind)?.extension;
    if (!rule) continue;
    if (rule.strip && name.endsWith(rule.strip)) name = name.slice(0, -rule.strip.length);
    name += rule.add;
  }
  return name;
}
