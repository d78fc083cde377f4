// Task pane: command buttons, options (saved for the ribbon too) and the findings of the
// last validation, read from the "Validazione" sheet (clicking one selects its cell), or of
// the last collection ("Rilievi raccolta", each with the returned file it is about).
// "Raccogli dai settori" takes the returned workbooks from a file input: they are read
// here and sent to the server as base64 with the command.
(function () {
  const SHEETS = { valida: "Validazione", raccogli: "Rilievi raccolta" };
  const TITLES = { valida: "Rilievi dell'ultima validazione",
                   raccogli: "Rilievi dell'ultima raccolta" };
  let shown = "valida";
  const stato = () => document.getElementById("albero-stato");

  function toBase64(bytes) {
    let bin = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(bin);
  }

  async function readFiles(input) {
    const files = Array.from(input.files || []);
    const items = await Promise.all(files.map(async (f) => ({
      nome: f.name, dati: toBase64(new Uint8Array(await f.arrayBuffer())),
    })));
    globalThis.alberoFiles = globalThis.alberoFiles || {};
    globalThis.alberoFiles[input.dataset.script] = items;
    stato().textContent = items.length ? `${items.length} cartelle pronte da raccogliere.` : "";
  }

  function loadOptions() {
    let saved = {};
    try {
      saved = JSON.parse(localStorage.getItem("albero.opzioni") || "{}");
    } catch (e) {}
    document.querySelectorAll("[data-option]").forEach((input) => {
      const v = (saved[input.dataset.script] || {})[input.dataset.option];
      if (input.dataset.kind === "flag") input.checked = Boolean(v);
      else if (v !== undefined && v !== null) input.value = v;
      else if (input.dataset.option === "anno") input.value = new Date().getFullYear() + 1;
    });
    const codice = document.getElementById("albero-codice");
    if (codice) codice.value = localStorage.getItem("albero.codice") || "";
  }

  function saveOptions() {
    const saved = {};
    document.querySelectorAll("[data-option]").forEach((input) => {
      const s = (saved[input.dataset.script] = saved[input.dataset.script] || {});
      if (input.dataset.kind === "flag") s[input.dataset.option] = input.checked;
      else if (input.dataset.kind === "int")
        s[input.dataset.option] = input.value === "" ? null : parseInt(input.value, 10);
      else s[input.dataset.option] = input.value === "" ? null : input.value;
    });
    localStorage.setItem("albero.opzioni", JSON.stringify(saved));
    const codice = document.getElementById("albero-codice");
    if (codice) localStorage.setItem("albero.codice", codice.value);
  }

  async function selectCell(sheetName, cell) {
    await Excel.run(async (context) => {
      const sheet = context.workbook.worksheets.getItem(sheetName);
      sheet.activate();
      sheet.getRange(cell).select();
      await context.sync();
    });
  }

  async function refreshFindings() {
    const list = document.getElementById("albero-rilievi");
    const conteggi = document.getElementById("albero-conteggi");
    const titolo = document.getElementById("albero-rilievi-titolo");
    if (titolo) titolo.textContent = TITLES[shown];
    await Excel.run(async (context) => {
      const sheet = context.workbook.worksheets.getItemOrNullObject(SHEETS[shown]);
      await context.sync();
      list.innerHTML = "";
      if (sheet.isNullObject) {
        conteggi.textContent = shown === "valida"
          ? "Premere «Valida» per controllare l'albero."
          : "Nessuna raccolta in questa cartella di lavoro.";
        return;
      }
      const used = sheet.getUsedRange(true).load("values");
      await context.sync();
      const [head, ...rows] = used.values;
      const col = (name) => head.indexOf(name);
      const iFoglio = col("Foglio"), iCella = col("Cella"), iGrav = col("Gravità");
      const iMsg = col("Messaggio"), iSugg = col("Suggerimento"), iFile = col("File");
      const found = rows.filter((r) => r[iGrav] !== "");
      const errori = found.filter((r) => r[iGrav] === "errore").length;
      conteggi.textContent = found.length === 0
        ? (shown === "valida" ? "Nessun rilievo: l'albero è valido."
                              : "Nessun rilievo: tutte le cartelle sono state raccolte.")
        : `${errori} errori, ${found.length - errori} avvisi.` +
          (iFile < 0 ? " Clic su un rilievo per andare alla cella." : "");
      found.forEach((r) => {
        const li = document.createElement("li");
        li.className = `list-group-item albero-rilievo albero-${r[iGrav]}`;
        li.tabIndex = 0;
        const cella = document.createElement("span");
        cella.className = "albero-cella";
        const dove = r[iCella] ? `${r[iFoglio]}!${r[iCella]}` : r[iFoglio];
        cella.textContent = iFile >= 0 ? `${r[iFile]} › ${dove}` : dove;
        li.appendChild(cella);
        li.appendChild(document.createTextNode(String(r[iMsg])));
        if (r[iSugg]) li.title = String(r[iSugg]);
        if (r[iCella] && iFile < 0) {
          const go = () => selectCell(String(r[iFoglio]), String(r[iCella]));
          li.addEventListener("click", go);
          li.addEventListener("keydown", (e) => { if (e.key === "Enter") go(); });
        }
        list.appendChild(li);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    loadOptions();
    document.getElementById("albero-opzioni").addEventListener("change", saveOptions);
    document.getElementById("albero-aggiorna").addEventListener("click", refreshFindings);
    document.querySelectorAll("[data-files]").forEach((input) => {
      input.addEventListener("change", () => readFiles(input).catch((e) => {
        stato().textContent = `Impossibile leggere i file scelti: ${e}`;
      }));
    });
    document.querySelectorAll(".albero-comando").forEach((btn) => {
      btn.addEventListener("click", async () => {
        saveOptions();
        const button = globalThis.alberoButtons.find((b) => b.script === btn.dataset.script);
        const needsFiles = button.options.some((o) => o.many);
        if (needsFiles && !((globalThis.alberoFiles || {})[button.script] || []).length) {
          stato().textContent = "Scegliere prima, nelle opzioni, le cartelle restituite dai settori.";
          return;
        }
        btn.disabled = true;
        stato().textContent = `${button.label} in corso…`;
        stato().classList.remove("text-danger", "text-success");
        try {
          const data = await globalThis.alberoRunScript(button);
          stato().textContent = (data && data.esito) || `${button.label}: fatto.`;
          stato().classList.add("text-success");
        } catch (e) {
          // a refusal or an error: shown as a failure, with the Italian message
          stato().textContent = e && e.message ? e.message : String(e);
          stato().classList.add("text-danger");
        } finally {
          btn.disabled = false;
        }
      });
    });
    document.addEventListener("albero:eseguito", (e) => {
      if (SHEETS[e.detail]) shown = e.detail;
      refreshFindings().catch(console.error);
    });
    Office.onReady(() => refreshFindings().catch(console.error));
  });
})();
