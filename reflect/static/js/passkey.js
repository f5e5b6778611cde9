// Passkeys (WebAuthn): adding one on the account page, using one for the second step.
// The server sends the options as JSON and checks the answer; texts come from the page.
const csrf = () => document.querySelector('input[name="csrf_token"]')?.value || "";

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
    body: JSON.stringify(body || {}),
  });
  let data = {};
  try {
    data = await response.json();
  } catch {
    data = {};
  }
  return { ok: response.ok, data };
}

function show(status, text) {
  status.textContent = text;
  status.hidden = !text;
}

async function addPasskey(button) {
  const status = document.getElementById(button.dataset.status);
  const name = document.getElementById(button.dataset.nameField)?.value || "";
  show(status, "");
  button.disabled = true;
  try {
    const options = await post(button.dataset.optionsUrl);
    if (!options.ok) {
      show(status, options.data.message || button.dataset.failed);
      return;
    }
    const created = await navigator.credentials.create({
      publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options.data),
    });
    const saved = await post(button.dataset.saveUrl, { credential: created.toJSON(), name });
    if (saved.ok && saved.data.redirect) {
      window.location.assign(saved.data.redirect);
    } else {
      show(status, saved.data.message || button.dataset.failed);
    }
  } catch {
    show(status, button.dataset.failed);
  } finally {
    button.disabled = false;
  }
}

async function usePasskey(button) {
  const status = document.getElementById(button.dataset.status);
  show(status, "");
  button.disabled = true;
  try {
    const options = await post(button.dataset.optionsUrl);
    if (!options.ok) {
      show(status, options.data.message || button.dataset.failed);
      return;
    }
    const credential = await navigator.credentials.get({
      publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.data),
    });
    const checked = await post(button.dataset.verifyUrl, { credential: credential.toJSON() });
    if (checked.ok && checked.data.redirect) {
      window.location.assign(checked.data.redirect);
    } else {
      show(status, checked.data.message || button.dataset.failed);
    }
  } catch {
    show(status, button.dataset.failed);
  } finally {
    button.disabled = false;
  }
}

const supported = typeof window.PublicKeyCredential === "function" &&
  typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function";

for (const button of document.querySelectorAll("[data-passkey]")) {
  if (!supported) {
    button.hidden = true;
    const note = document.getElementById(button.dataset.unsupported);
    if (note) note.hidden = false;
    continue;
  }
  button.addEventListener("click", () => (button.dataset.passkey === "add" ? addPasskey(button) : usePasskey(button)));
}
