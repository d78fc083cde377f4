// Runs xl_albero/server/project/static/js/ribbon.js in Node against a real albero server.
// Office.js and the xlwings client are replaced by a small model of the workbook given in
// the input JSON ({payload, merged, script, url, config}): getBookData returns the values
// payload, Office.js answers getMergedAreasOrNullObject() from `merged` (addresses with the
// sheet name, as Excel returns them). Prints {ok, data | error, actions} as JSON.
const fs = require("fs");
const vm = require("vm");

const input = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const applied = [];
const events = [];

function rangeAreas(sheetName) {
  const list = input.merged[sheetName] || [];
  const areas = {
    isNullObject: list.length === 0,
    areas: { items: list.map((a) => ({ address: `'${sheetName}'!${a}` })) },
    load() { return this; },
  };
  return areas;
}

const context = {
  workbook: {
    worksheets: {
      items: input.payload.sheets.map((s) => ({
        name: s.name,
        getUsedRangeOrNullObject() {
          return { isNullObject: false, getMergedAreasOrNullObject: () => rangeAreas(s.name) };
        },
      })),
      load() { return this; },
    },
  },
  sync: async () => {},
};

const sandbox = {
  console, JSON, Promise, Error, String, Array, Object, Date,
  fetch: (...args) => fetch(...args),
  CustomEvent: class { constructor(type, init) { this.type = type; this.detail = init && init.detail; } },
  document: {
    getElementById: (id) => (id === "albero-config" ? { textContent: JSON.stringify(input.config) } : null),
    dispatchEvent: (e) => events.push(e.type),
  },
  localStorage: { getItem: () => JSON.stringify(input.options || {}) },
  window: { location: { origin: input.url } },
  config: { appPath: "", authProviders: [] },
  Office: {
    context: { requirements: { isSetSupported: () => true } },
    onReady: () => {},
    actions: { associate: () => {} },
  },
  Excel: { run: async (fn) => fn(context) },
  xlwings: {
    getBookData: async ({ headers }) => {
      headers["Content-Type"] = "application/json";
      return JSON.parse(JSON.stringify(input.payload));
    },
    runActions: async (data) => { applied.push(data); },
  },
};
sandbox.globalThis = sandbox;
sandbox.getAuth = async () => ({ token: "", provider: "" });
vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(input.ribbon_js, "utf8"), sandbox);

const button = input.config.buttons.find((b) => b.script === input.script);
sandbox.alberoRunScript(button).then(
  (data) => console.log(JSON.stringify({ ok: true, data, applied, events })),
  (err) => console.log(JSON.stringify({ ok: false, error: String(err.message), applied, events })),
);
