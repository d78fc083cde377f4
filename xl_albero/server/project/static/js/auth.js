// Authentication for every script and function call: Microsoft Entra ID (SSO) or the
// shared access code typed once in the task pane (stored by the add-in's browser storage).
globalThis.getAuth = async function () {
  if (config.authProviders.includes("entraid")) {
    return { token: await xlwings.getAccessToken(), provider: "entraid" };
  }
  if (config.authProviders.includes("token")) {
    return { token: localStorage.getItem("albero.codice") || "", provider: "token" };
  }
  return { token: "", provider: "" };
};
