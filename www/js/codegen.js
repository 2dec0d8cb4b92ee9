// The Code tab: the JavaScript that builds the same pipeline with the
// package's stream factories, runnable as a module. Free of the DOM.

// `{ a: 1, b: "x" }` for the options a stage spec carries. Files and
// secrets are never written as literals: `variables` names the options
// whose value is a variable of the same name (`{ file, passphrase }`).
function literal(options, variables) {
  const key = (k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k));
  const parts = Object.entries(options)
    .filter(([k, v]) => v !== undefined && !variables.includes(k) && !(typeof Blob !== "undefined" && v instanceof Blob))
    .map(([k, v]) => `${key(k)}: ${JSON.stringify(v)}`);
  parts.push(...variables);
  return parts.length ? `{ ${parts.join(", ")} }` : "";
}

function call(factory, stage, variables = []) {
  const { kind, ...options } = stage;
  const opts = literal(options, variables);
  return `${factory}(${JSON.stringify(kind)}${opts ? `, ${opts}` : ""})`;
}

// `spec` as a module: create each stage, pipe them, print what the sink saw.
// `blobParam` names the source's File/Blob option, if it has one, and
// `secrets(role, kind)` the stage's secret options (both from the
// catalogue): each becomes a variable the reader fills in, never the value.
// `generator` ({ param, text, call }), for a source fed by an iterable: the
// generator function's own text, and the call that makes its iterator; the
// end is then read with `for await`, as Node's readers do.
export function generateCode(spec, blobParam = null, secrets = () => [], generator = null) {
  const lines = [`import init, { createSource, createTransform, createSink, stageMetrics } from "pipewright";`, "", "await init();", ""];
  if (blobParam) {
    lines.push("// The file to read: a File from <input type=\"file\"> or a drop, or any Blob.");
    lines.push(`const ${blobParam} = document.querySelector("input[type=file]").files[0];`);
  }
  if (generator) {
    lines.push("// The source: an async generator. Its body runs only when the stream pulls.");
    lines.push(...generator.text.split("\n"), "");
    lines.push(`const ${generator.param} = ${generator.call};`);
  }
  const names = [...new Set(spec.stages.flatMap((s) => secrets("transform", s.kind)))];
  for (const name of names) {
    lines.push(`// Fill in the ${name}: the page never writes a secret into code or links.`);
    lines.push(`const ${name} = "";`);
  }
  lines.push(`const source = ${call("createSource", spec.source, blobParam ? [blobParam] : generator ? [generator.param] : [])};`);
  lines.push(`const sink = ${call("createSink", spec.sink)};`);
  lines.push("");
  lines.push("try {");
  if (generator) {
    lines.push(`  const readable = source${spec.stages.length ? "" : ";"}`);
    spec.stages.forEach((stage, i) => lines.push(`    .pipeThrough(${call("createTransform", stage, secrets("transform", stage.kind))})${i === spec.stages.length - 1 ? ";" : ""}`));
    lines.push("  // Read to the end with for await, as `for await (const chunk of readable)` in Node;");
    lines.push("  // each write waits for the sink, so backpressure reaches the generator.");
    lines.push("  const writer = sink.getWriter();");
    lines.push("  for await (const chunk of readable) await writer.write(chunk);");
    lines.push("  await writer.close();");
  } else {
    lines.push("  await source");
    for (const stage of spec.stages) lines.push(`    .pipeThrough(${call("createTransform", stage, secrets("transform", stage.kind))})`);
    lines.push("    .pipeTo(sink);");
  }
  lines.push("} catch (error) {");
  lines.push(generator ? "  // for await throws the stream's first error; the stages above it are cancelled." : "  // pipeTo rejects with the first error; the other streams are cancelled or aborted.");
  lines.push("  console.error(`failed: ${error.message}`);");
  lines.push("}");
  lines.push("");
  lines.push("const done = stageMetrics(sink);");
  lines.push("console.log({ chunks: done.chunksIn, bytes: done.bytesIn, result: done.result });");
  return `${lines.join("\n")}\n`;
}
