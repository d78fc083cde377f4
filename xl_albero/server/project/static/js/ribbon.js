// Ribbon buttons: one per ribbon command of the registry (see #albero-config, generated
// from xl_albero.commands); each runs its script with the options saved in the task pane.
(function () {
  const el = document.getElementById("albero-config");
  const albero = el ? JSON.parse(el.textContent) : { buttons: [] };

  function savedOptions() {
    try {
      return JSON.parse(localStorage.getItem("albero.opzioni") || "{}");
    } catch (e) {
      return {};
    }
  }

  function argsFor(button) {
    const saved = savedOptions()[button.script] || {};
    return button.options.map((o) => {
      // files chosen in the task pane (read there as base64): never saved
      if (o.many) return ((globalThis.alberoFiles || {})[button.script]) || null;
      let v = saved[o.name];
      if (v === undefined || v === "") v = o.default;
      if (o.name === "anno" && (v === null || v === undefined)) {
        v = new Date().getFullYear() + 1;
      }
      return v === undefined ? null : v;
    });
  }

  async function runScript(button, errorDisplayMode) {
    const auth = await globalThis.getAuth();
    await xlwings.runPython({
      scriptName: button.script,
      auth: auth.token,
      headers: { "Auth-Provider": auth.provider },
      args: argsFor(button),
      errorDisplayMode: errorDisplayMode || "alert",
    });
    document.dispatchEvent(new CustomEvent("albero:eseguito", { detail: button.script }));
  }
  globalThis.alberoRunScript = runScript;
  globalThis.alberoButtons = albero.buttons;

  Office.onReady(() => {
    albero.buttons.forEach((button) => {
      Office.actions.associate(button.function, async (event) => {
        try {
          if (button.options.some((o) => o.many)) {
            // the files to collect are chosen in the task pane: open it
            await Office.addin.showAsTaskpane();
          } else {
            await runScript(button, "alert");
          }
        } finally {
          event.completed();
        }
      });
    });
  });
})();
