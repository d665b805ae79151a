// Pivot's loader: loads the app's wasm module named by its <script> tag's data
// attributes. A file (not an inline script) so the pages run under a strict
// Content-Security-Policy (script-src 'self'). trunk writes the tag for the
// panels (Trunk.toml `pattern_script`); publish-import.html names its own module.
//
// Never a blank page: if the code cannot load, the boot notice says so, as text.
const tag = document.querySelector("script[data-pivot-js]");
const what = tag?.dataset.pivotWhat ?? "code";

function fail(why) {
  const boot = document.getElementById("boot");
  if (boot) {
    boot.firstElementChild.textContent = `Pivot could not load its ${what} (${why}). Reload the page; if this persists, ask your ThreatConnect administrator to check the Pivot app package.`;
  }
}

// A panic aborts the release wasm at once (docs/performance.md): a trap, thrown out of an
// event handler or a task. Say so in words, never a frozen page; nothing from the data.
function crashed(error) {
  if (!(error instanceof WebAssembly.RuntimeError) || document.body.dataset.state === "crashed") return;
  document.body.textContent = "Pivot stopped because of an internal error. Reload the page to start again; if it happens again, report it with the steps that led here.";
  document.body.dataset.state = "crashed";
}
addEventListener("error", (e) => crashed(e.error));
addEventListener("unhandledrejection", (e) => crashed(e.reason));

// The app removes the boot notice when it mounts; until then, a slow load says so.
// (Not once it has failed: the reason stays on screen.)
const slow = setTimeout(() => fail("it took more than 20 seconds"), 20000);
try {
  const { default: init } = await import(tag.dataset.pivotJs);
  await init({ module_or_path: tag.dataset.pivotWasm });
} catch (e) {
  clearTimeout(slow);
  if (e instanceof WebAssembly.RuntimeError) crashed(e);
  else fail("the WebAssembly module failed to load");
}
