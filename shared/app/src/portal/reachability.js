// Reachability checks: ask for a check of one person or everyone, and show each person's latest
// result (GET/POST /api/provider/reachability). Uses the page's `api`, `token` and `$`.
"use strict";
const REACH_WORDS = {
  heard: "Heard it, pressed 1",
  answeredNoKey: "Answered, no key",
  voicemail: "Voicemail",
  noAnswer: "No answer",
  busyOrFailed: "Busy or failed",
  invalidNumber: "Invalid number",
  refused: "Number refused",
};

function reachRow(c) {
  const tr = document.createElement("tr");
  const when = c.resultAt ? new Date(c.resultAt).toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) : "";
  const result = c.result ? (REACH_WORDS[c.result] || c.result) + (c.code ? " (Twilio " + c.code + ")" : "")
    : (c.state === "calling" ? "Calling…" : "Waiting to call");
  for (const text of [c.firstName + " (" + c.employeeId + ")", c.phone, c.day, result, when]) {
    const td = document.createElement("td");
    td.textContent = text;
    tr.appendChild(td);
  }
  tr.dataset.result = c.result || c.state;
  return tr;
}

async function loadReachability() {
  const { status, data } = await api("GET", "/api/provider/reachability");
  if (status !== 200 || !data) return;
  const body = $("#reach-table tbody");
  body.replaceChildren();
  if (!data.checks.length) {
    const tr = document.createElement("tr");
    tr.innerHTML = '<td colspan="5" class="muted">No checks yet.</td>';
    body.appendChild(tr);
  }
  for (const c of data.checks) body.appendChild(reachRow(c));
}

async function askReachability(employeeId) {
  const state = $("#reach-state");
  state.textContent = "Asking…";
  try {
    const { status, data } = await api("POST", "/api/provider/reachability", employeeId ? { employeeId } : {});
    if (status === 202) {
      const n = data.queued.length;
      state.textContent = n + (n === 1 ? " check" : " checks") + " queued"
        + (data.checkedToday.length ? "; " + data.checkedToday.length + " already checked today." : ".");
    } else {
      state.textContent = (data && (data.error || (data.errors && data.errors.employeeId))) || ("The server answered " + status + ".");
    }
    await loadReachability();
  } catch (e) {
    state.textContent = "The server could not be reached. Please try again.";
  }
}

$("#reach-one").addEventListener("click", () => {
  const e = $("#reach-employee").value.trim();
  if (!e) { $("#reach-state").textContent = "Enter an employee id, or check everyone."; return; }
  askReachability(e);
});
$("#reach-all").addEventListener("click", () => askReachability(null));
$("#reach-refresh").addEventListener("click", () => loadReachability().catch(() => {}));
if (token) loadReachability().catch(() => {});
