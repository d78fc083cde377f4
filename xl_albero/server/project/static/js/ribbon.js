// Ribbon buttons: one per ribbon command of the registry (see #albero-config, generated
// from xl_albero.commands); each runs its script with the options saved in the task pane.
//
// The call is made here rather than with xlwings.runPython, for two reasons:
// - merged cells: the JSON of xlwings.getBookData carries values only, and xlwings
//   Server's Python side cannot read merge areas (its Range.merge_area raises). Like
//   xlwings' own getRangeData(..., ["merge_area"]), we ask Office.js for
//   Range.getMergedAreasOrNullObject() - here on each sheet's used range, in one
//   Excel.run - and send them as `merged_areas` of each sheet (docs/addin.md);
// - honest outcome: runPython handles errors itself and never rethrows, so the caller
//   could not tell a failure from a success. Here a refusal (HTTP 4xx with the Italian
//   message) is applied (its actions: findings on «Validazione», the failure alert) and
//   then rethrown, so the task pane shows it as a failure.
(function () {
  const el = document.getElementById("albero-config");
  const albero = el ? JSON.parse(el.textContent) : { buttons: [] };
  const TITLE = "Albero Performance";

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

  // {sheet name: ["A3:A10", ...]} of every sheet's used range, or null when this Excel
  // cannot tell (Range.getMergedAreasOrNullObject needs ExcelApi 1.13).
  async function mergedAreas() {
    if (!Office.context.requirements.isSetSupported("ExcelApi", "1.13")) return null;
    return await Excel.run(async (context) => {
      const sheets = context.workbook.worksheets.load("items/name");
      await context.sync();
      const used = sheets.items.map((ws) => ({ name: ws.name, range: ws.getUsedRangeOrNullObject() }));
      await context.sync();
      const found = used
        .filter((u) => !u.range.isNullObject)
        .map((u) => ({ name: u.name, areas: u.range.getMergedAreasOrNullObject().load("areas/items/address") }));
      await context.sync();
      const out = {};
      used.forEach((u) => (out[u.name] = []));
      found.forEach((f) => {
        if (f.areas.isNullObject) return;
        out[f.name] = f.areas.areas.items.map((r) => String(r.address).split("!").pop());
      });
      return out;
    });
  }

  function failureAlert(message) {
    return {
      actions: [{
        func: "alert", args: [message, TITLE, "ok", "critical", ""], values: null,
        sheet_position: 0, start_row: 0, start_column: 0, row_count: 0, column_count: 0,
      }],
    };
  }

  // Run the command; returns the server's JSON. Throws Error(Italian message) on failure,
  // after showing it in Excel (the alert travels with the response, or is made here).
  async function runScript(button) {
    const auth = await globalThis.getAuth();
    const headers = { "Auth-Provider": auth.provider };
    const payload = await xlwings.getBookData({ auth: auth.token, headers: headers });
    payload.args = argsFor(button);
    const merged = await mergedAreas();
    if (merged) {
      payload.sheets.forEach((s) => {
        s.merged_areas = merged[s.name] || [];
      });
    }
    let response, data = null;
    try {
      response = await fetch(
        window.location.origin + config.appPath + `/xlwings/custom-scripts-call/${button.script}`,
        { method: "POST", headers: headers, body: JSON.stringify(payload) });
      data = await response.json();
    } catch (e) {
      if (!response) {
        const message = `«${button.label}» non eseguito: il server non risponde.`;
        await xlwings.runActions(failureAlert(message));
        throw new Error(message);
      }
    }
    const ok = response.ok && data && data.ok !== false;
    if (data && Array.isArray(data.actions)) {
      await xlwings.runActions(data);  // also on failure: findings, colours, the alert
    } else if (!ok) {
      const detail = (data && (data.detail || data.esito)) || response.statusText;
      await xlwings.runActions(failureAlert(`«${button.label}» non eseguito. ${detail}`));
    }
    document.dispatchEvent(new CustomEvent("albero:eseguito", { detail: button.script }));
    if (!ok) {
      const detail = (data && (data.detail || data.esito)) || response.statusText;
      throw new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
    }
    return data;
  }
  globalThis.alberoRunScript = runScript;
  globalThis.alberoButtons = albero.buttons;
  globalThis.alberoMergedAreas = mergedAreas;

  Office.onReady(() => {
    albero.buttons.forEach((button) => {
      Office.actions.associate(button.function, async (event) => {
        try {
          if (button.options.some((o) => o.many)) {
            // the files to collect are chosen in the task pane: open it
            await Office.addin.showAsTaskpane();
          } else {
            await runScript(button);
          }
        } catch (e) {
          console.error(e);  // already shown to the user by the alert
        } finally {
          event.completed();
        }
      });
    });
  });
})();
