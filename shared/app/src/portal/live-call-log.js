// ------------------------------------------------------------------ live call log and a coordinator's actions
// (Served inside the page's script by portal::page_html.) The chosen shift's call log updates by
// itself: while the shift is open (or a call is still live) the page asks the call-log API every
// few seconds with the last ETag in If-None-Match, and redraws only on a 200 (a 304: nothing
// changed). Above the calls: who is being rung now, the turn that is held and why, the next call's
// time; the actions a coordinator can take on the shift (pause, resume, call now, cancel with a
// confirmation); and every action taken, with who and when.

const LIVE_EVERY_MS = 2500;
const HOLD_TEXT = {
  paused: "calling is paused",
  quietHours: "quiet hours",
  maxCallsPerPersonPerHour: "they were called often lately",
};
const ACTION_TEXT = { cancel: "Cancelled", pause: "Paused", resume: "Resumed", callNow: "Called now" };
const CALL_STATUS_TEXT = {
  queued: "being dialled", initiated: "being dialled", ringing: "ringing", "in-progress": "talking",
};
const live = { occ: "", etag: "", timer: null, tz: null, busy: false };

function liveStyle() {
  const s = document.createElement("style");
  s.textContent = `
  #log-live { border: 1px solid var(--line); border-left: 4px solid var(--going); border-radius: .375rem;
              padding: .5rem .8rem; margin: 0 0 .75rem; background: #faf8ff; }
  #log-live p { margin: .2rem 0; }
  #log-live .now { font-weight: 600; }
  #log-live .actions { display: flex; flex-wrap: wrap; gap: .5rem; margin: .5rem 0 .25rem; }
  #log-live button.danger { border-color: var(--error); color: var(--error); }
  #log-live button.danger.primary { background: var(--error); color: #fff; }
  #cancel-confirm { border: 2px solid var(--error); border-radius: .375rem; padding: .5rem .8rem; margin: .5rem 0; }
  #log-controls { margin: .25rem 0 0; padding-left: 1.2rem; color: var(--muted); }`;
  document.head.append(s);
}

/// The call log of `occ` with its ETag; a 304 (nothing changed since `etag`) has no data.
async function fetchLog(occ, etag) {
  const headers = { authorization: "Bearer " + token };
  if (etag) headers["if-none-match"] = etag;
  const res = await fetch(API + "/api/provider/jobs/" + encodeURIComponent(occ) + "/calls", {
    headers, cache: "no-store",
  });
  if (res.status === 401) {
    signOut("Your sign-in has expired or is not valid. Please sign in again.");
    throw new Unauthorized();
  }
  let data = null;
  if (res.status === 200) { try { data = await res.json(); } catch (e) { data = null; } }
  return { status: res.status, data, etag: res.headers.get("etag") || "" };
}

function liveStop() {
  clearTimeout(live.timer);
  live.timer = null;
  live.occ = "";
  live.etag = "";
  const panel = $("#log-live");
  if (panel) { panel.hidden = true; panel.textContent = ""; }
}

/// `loadLog` drew shift `occ`: show its live part and keep it up to date while anything moves.
function liveShown(occ, data, etag, tz) {
  clearTimeout(live.timer);
  live.occ = occ;
  live.etag = etag;
  live.tz = tz;
  drawLive(occ, data);
  schedulePoll(data);
}

function schedulePoll(data) {
  clearTimeout(live.timer);
  const moving = data.status === "OPEN" || (data.live || []).length > 0;
  document.body.dataset.livePolling = moving ? "1" : "0";
  if (moving) live.timer = setTimeout(poll, LIVE_EVERY_MS);
}

async function poll() {
  const occ = live.occ;
  if (!occ || !token) return;
  let res = null;
  try { res = await fetchLog(occ, live.etag); } catch (e) { if (e instanceof Unauthorized) return; }
  if (occ !== live.occ) return; // another shift was chosen meanwhile
  const body = document.body;
  body.dataset.livePolls = String(Number(body.dataset.livePolls || 0) + 1);
  if (res && res.status === 304) body.dataset.liveUnchanged = String(Number(body.dataset.liveUnchanged || 0) + 1);
  if (res && res.status === 200 && res.data) {
    live.etag = res.etag;
    renderLog(occ, res.data, live.tz);
    drawLive(occ, res.data);
    schedulePoll(res.data);
  } else {
    live.timer = setTimeout(poll, LIVE_EVERY_MS);
  }
}

function para(text, cls) {
  const p = document.createElement("p");
  p.textContent = text;
  if (cls) p.className = cls;
  return p;
}

function actionButton(id, label, cls, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.id = id;
  b.textContent = label;
  if (cls) b.className = cls;
  b.addEventListener("click", () => onClick(b));
  return b;
}

function drawLive(occ, data) {
  const panel = $("#log-live");
  const tz = live.tz;
  panel.textContent = "";
  const open = data.status === "OPEN";
  const calls = data.live || [];
  if (calls.length) {
    const who = calls.map((c) => (c.firstName || c.employeeId) + " (" + (CALL_STATUS_TEXT[c.status] || "being dialled") + ")");
    panel.append(para("Ringing now: " + who.join(", "), "now"));
  } else if (open) {
    panel.append(para("Nobody is being rung right now.", "now"));
  }
  if (open && data.paused) panel.append(para("Calling is paused: no new call starts until you resume."));
  const w = data.waiting;
  if (w) {
    panel.append(para("Held: " + w.firstName + "'s call waits (" + (HOLD_TEXT[w.reason] || w.reason) + ")"
      + (w.reason === "paused" ? "" : " until " + fmtTime(w.until, tz)) + "."));
  }
  if (open && data.nextCallAt && !(w && w.reason === "paused")) {
    panel.append(para("Next call: " + fmtTime(data.nextCallAt, tz) + "."));
  }
  // The actions that apply now.
  const row = document.createElement("div");
  row.className = "actions";
  row.setAttribute("role", "group");
  row.setAttribute("aria-label", "Act on this shift");
  if (open && !data.paused) row.append(actionButton("act-pause", "Pause calling", "", () => act(occ, "pause")));
  if (open && data.paused) row.append(actionButton("act-resume", "Resume calling", "primary", () => act(occ, "resume")));
  if (open && data.calls.length === 0 && data.nextCallAt && !(w && w.reason === "paused")) {
    row.append(actionButton("act-call-now", "Call now", "", () => act(occ, "call-now")));
  }
  if (open || data.status === "UNFILLED_AFTER_CALLS") {
    row.append(actionButton("act-cancel", "Cancel shift…", "danger", () => confirmCancel(occ)));
  }
  if (row.childElementCount) panel.append(row);
  const state = document.createElement("p");
  state.id = "act-state";
  state.setAttribute("role", "status");
  state.setAttribute("aria-live", "polite");
  panel.append(state);
  // Every action taken, with who and when.
  const controls = data.controls || [];
  if (controls.length) {
    const list = document.createElement("ul");
    list.id = "log-controls";
    list.setAttribute("aria-label", "Actions on this shift");
    for (const c of controls) {
      const li = document.createElement("li");
      li.textContent = (ACTION_TEXT[c.action] || c.action) + " by " + c.by + " at " + fmtTime(c.at, tz);
      list.append(li);
    }
    panel.append(list);
  }
  panel.hidden = panel.childElementCount <= 1 && !controls.length && !open;
  panel.dataset.status = data.status;
  // The shift list says the shift's status too.
  const option = [...$("#shift").options].find((o) => o.value === occ);
  if (option) option.textContent = option.textContent.replace(/ — [^—]*$/, " — " + (STATUS_TEXT[data.status] || data.status));
  panel.dataset.paused = data.paused ? "1" : "0";
}

/// Cancel asks first: everyone being called hears an apology and nobody else is called.
function confirmCancel(occ) {
  if ($("#cancel-confirm")) return;
  const box = document.createElement("div");
  box.id = "cancel-confirm";
  box.setAttribute("role", "alertdialog");
  box.setAttribute("aria-labelledby", "cancel-confirm-q");
  const q = para("Cancel this shift? Anyone being called now hears a short apology, and nobody else is called.");
  q.id = "cancel-confirm-q";
  box.append(q);
  const yes = actionButton("cancel-yes", "Yes, cancel the shift", "danger primary", () => { box.remove(); act(occ, "cancel"); });
  const no = actionButton("cancel-no", "Keep calling", "", () => { box.remove(); $("#act-cancel")?.focus(); });
  box.append(yes, " ", no);
  $("#log-live .actions").after(box);
  no.focus();
}

async function act(occ, action) {
  if (live.busy) return;
  live.busy = true;
  const state = $("#act-state");
  document.querySelectorAll("#log-live .actions button").forEach((b) => { b.disabled = true; });
  try {
    const { status, data } = await api("POST", "/api/provider/jobs/" + encodeURIComponent(occ) + "/" + action);
    if (status !== 200) {
      if (state) state.textContent = "Not done: " + ((data && data.error) || "the request failed (" + status + ")") + ".";
      document.querySelectorAll("#log-live .actions button").forEach((b) => { b.disabled = false; });
      return;
    }
    // Show the result at once rather than at the next poll.
    const res = await fetchLog(occ, "");
    if (occ === live.occ && res.status === 200 && res.data) {
      live.etag = res.etag;
      renderLog(occ, res.data, live.tz);
      drawLive(occ, res.data);
      schedulePoll(res.data);
    }
  } catch (e) {
    if (state) state.textContent = "Not done: the request failed.";
  } finally {
    live.busy = false;
  }
}

liveStyle();
