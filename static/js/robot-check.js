// The check against robots (ALTCHA proof of work). The widget comes from the
// CSP-friendly "external" build, which has no worker of its own: we serve the
// PBKDF2 worker from our static files and hand the widget the interface
// language's strings, translated by Django (see accounts/forms.py).
import "./altcha/altcha.min.js";

const altcha = globalThis.$altcha;

for (const holder of document.querySelectorAll("[data-robot-check]")) {
  const workerUrl = holder.dataset.workerUrl;
  altcha.algorithms.set(holder.dataset.algorithm, () => new Worker(workerUrl));
  const strings = document.getElementById(holder.dataset.stringsId);
  if (strings) {
    altcha.i18n.set(holder.dataset.language, JSON.parse(strings.textContent));
  }
}
