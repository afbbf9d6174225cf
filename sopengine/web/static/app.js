// Copy buttons, and the task list kept fresh: the server renders the sections (no HTML here),
// this script only fetches them again (every data-every ms, 30 s by default) while the page is open.
"use strict";

function copyText(button) {
  const text = button.dataset.copy || "";
  const done = () => { button.textContent = button.dataset.copied || "✓"; button.classList.add("copied"); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, () => fallbackCopy(text, done));
  } else {
    fallbackCopy(text, done);
  }
}

function fallbackCopy(text, done) {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  try { if (document.execCommand("copy")) { done(); } } finally { area.remove(); }
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button.copy");
  if (button) { copyText(button); }
});

const sections = document.getElementById("sections");
if (sections && sections.dataset.refresh) {
  setInterval(async () => {
    if (document.hidden || sections.querySelector("details[open], input:focus")) { return; }
    try {
      const response = await fetch(sections.dataset.refresh, { credentials: "same-origin" });
      const version = response.headers.get("X-Board-Version");
      if (response.ok && version && version !== sections.dataset.version) {
        sections.innerHTML = await response.text();
        sections.dataset.version = version;
      }
    } catch (err) { /* offline for a moment: try again next time */ }
  }, Number(sections.dataset.every) || 30000);
}
