// The live call log and a coordinator's actions in Debian's headless Chromium, against a running
// local runtime whose provider has a shift waiting to be called (a long wait, Alice first, who
// answers and listens until her call is ended).
//
//   node tests/browser/live-call-log.test.mjs <base_url> <token> <occurrenceId>
//
// SCREENSHOT_DIR (default: a temporary folder) receives screenshots/portal-live-call-log.png (a
// call going on, as the page updated it by itself) and screenshots/portal-call-log-cancelled.png.
// CHROMIUM (default /usr/bin/chromium) names the browser. Ends with one line
// `browser: N passed, N failed` and exits non-zero on a failure.

import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const [base, token, occ] = process.argv.slice(2);
if (!base || !token || !occ) {
  console.error("usage: node live-call-log.test.mjs <base_url> <token> <occurrenceId>");
  process.exit(2);
}
const shots = process.env.SCREENSHOT_DIR || fs.mkdtempSync(path.join(os.tmpdir(), "live-shots-"));
fs.mkdirSync(path.join(shots, "screenshots"), { recursive: true });

let passed = 0;
let failed = 0;
let stop = false;
async function check(name, fn) {
  if (stop) { failed++; console.log(`  SKIP ${name} (an earlier step failed)`); return; }
  const started = Date.now();
  try {
    await fn();
    passed++;
    console.log(`  ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed++;
    stop = true; // each step builds on the one before
    console.log(`  FAIL ${name}\n       ${String(e && e.stack || e).split("\n").slice(0, 4).join("\n       ")}`);
  }
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "live-chromium-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
  viewport: { width: 1000, height: 900 },
});
context.setDefaultTimeout(20_000);
const page = await context.newPage();
const consoleErrors = [];
page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
page.on("pageerror", (e) => consoleErrors.push(String(e)));
const section = page.locator('section[aria-labelledby="log-h"]');
const liveText = () => page.textContent("#log-live");

try {
  await check("the waiting shift shows its next call and the actions that apply", async () => {
    await page.goto(`${base}/portal/outbound-calling#token=${encodeURIComponent(token)}`);
    await page.waitForSelector('body[data-ready="1"]');
    await page.waitForSelector(`#shift option[value="${occ}"]`, { state: "attached" });
    await page.selectOption("#shift", occ);
    await page.waitForSelector('#log-live[data-status="OPEN"]');
    const text = await liveText();
    assert(text.includes("Nobody is being rung right now."), `live: ${text}`);
    assert(text.includes("Next call: "), `next call: ${text}`);
    for (const id of ["#act-pause", "#act-call-now", "#act-cancel"]) {
      assert(await page.isVisible(id), `${id} shown`);
    }
    assert(!(await page.isVisible("#act-resume")), "no resume while calling runs");
  });

  await check("call now: the page shows Alice being rung without a reload (live, 304 while unchanged)", async () => {
    await page.click("#act-call-now");
    await page.waitForFunction(() => document.querySelector("#log-live").textContent.includes("Ringing now: Alice (talking)"));
    await page.waitForFunction(() => Number(document.body.dataset.liveUnchanged || 0) >= 1);
    const text = await liveText();
    assert(text.includes("Called now by coordinator@prov_1 at "), `the action with who and when: ${text}`);
    assert(!(await page.isVisible("#act-call-now")), "call now is gone once calling started");
    const summary = await page.textContent("#log-summary");
    assert(summary.startsWith("Calling in progress · 1 call"), `summary: ${summary}`);
    await section.screenshot({ path: path.join(shots, "screenshots", "portal-live-call-log.png") });
  });

  await check("pause: the call goes on, resume is offered", async () => {
    await page.click("#act-pause");
    await page.waitForSelector('#log-live[data-paused="1"]');
    const text = await liveText();
    assert(text.includes("Calling is paused"), `paused: ${text}`);
    assert(text.includes("Ringing now: Alice"), `the live call goes on: ${text}`);
    assert(await page.isVisible("#act-resume"), "resume shown");
    await page.click("#act-resume");
    await page.waitForSelector('#log-live[data-paused="0"]');
    assert((await liveText()).includes("Resumed by coordinator@prov_1"), "resumed, with who");
  });

  await check("cancel asks first; keeping calling changes nothing", async () => {
    await page.click("#act-cancel");
    await page.waitForSelector("#cancel-confirm");
    assert((await page.textContent("#cancel-confirm")).includes("hears a short apology"), "the question says what happens");
    await page.click("#cancel-no");
    await page.waitForSelector("#cancel-confirm", { state: "detached" });
    assert((await page.getAttribute("#log-live", "data-status")) === "OPEN", "still open");
  });

  await check("cancel: the shift is cancelled, Alice's call ends and the page shows it by itself", async () => {
    await page.click("#act-cancel");
    await page.click("#cancel-yes");
    await page.waitForSelector('#log-live[data-status="CANCELLED"]');
    await page.waitForFunction(() => !document.querySelector("#log-live").textContent.includes("Ringing now"));
    await page.waitForFunction(() => document.querySelector("#log-table tbody").textContent.includes("Canceled"));
    const summary = await page.textContent("#log-summary");
    assert(summary.startsWith("Cancelled"), `summary: ${summary}`);
    const text = await liveText();
    assert(text.includes("Cancelled by coordinator@prov_1 at "), `who cancelled: ${text}`);
    for (const id of ["#act-pause", "#act-resume", "#act-call-now", "#act-cancel"]) {
      assert(!(await page.isVisible(id)), `${id} gone`);
    }
    await page.waitForSelector('body[data-live-polling="0"]');
    await section.screenshot({ path: path.join(shots, "screenshots", "portal-call-log-cancelled.png") });
  });

  await check("no script errors in the page", async () => {
    assert(consoleErrors.length === 0, `console errors: ${consoleErrors.join(" | ")}`);
  });
} finally {
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}

console.log(`screenshots in ${shots}`);
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
