// embed.html's script (a file, not inline: the page runs under a strict
// Content-Security-Policy). embed.html#spec=… restores a pipeline;
// ?preset=slow-consumer, ?compact and ?autorun work as the attributes do.
import "./embed.js";

const params = new URLSearchParams(location.search);
const playground = document.createElement("pipewright-playground");
playground.setAttribute("fragment", location.hash);
if (params.has("preset")) playground.setAttribute("preset", params.get("preset"));
for (const flag of ["compact", "autorun"]) if (params.has(flag)) playground.setAttribute(flag, "");
document.body.append(playground);
