// Runs the sale page's real script (flashsales.js) under node on recorded server answers and
// prints, for each, the poll timer the script set: what the benchmark's client must match.
// stdin: {"script": path, "cases": [{"kind": "status"|"join", "status": 200, "body": "...",
// "rand": 0.25, "page_age_ms": 0}]}; stdout: [{"ms": number|null, "cleared": bool, "sent": [...]}]
// (join: whether the timer the page had was replaced, and the challenges its joins carried after
// the page had been open "page_age_ms").
import { readFileSync } from "node:fs";
import vm from "node:vm";

const input = JSON.parse(readFileSync(0, "utf8"));
const source = readFileSync(input.script, "utf8");
const TEXT_KEYS = ["units", "units_held", "open", "sold_out", "closed", "pre", "position", "eta",
  "no_eta", "all_held", "unlikely", "admitted", "holding", "done", "removed", "network",
  "no_crypto", "solving"];
// Before the join: the page's first poll, a customer not yet in line a while before the opening.
const ON_LOAD = JSON.stringify({ state: "published", place: "none", position: null,
  eta_seconds: null, units: { available: 97, held: 0, sold: 0, total: 97, left: 97 },
  all_held: false, sold_out: false, unlikely: false, admission: null, poll_ms: 600000,
  poll_jitter_ms: 2000, opening_offset_ms: null });

function element(id) {
  return { id, textContent: "", hidden: false, disabled: false, className: "", listeners: {},
    dataset: {}, elements: { token: { value: "" } },
    replaceChildren() {}, dispatchEvent() {},
    addEventListener(type, fn) { this.listeners[type] = fn; } };
}

async function settle(until) {
  // Up to 5 s (a loaded machine), usually a few milliseconds.
  for (let i = 0; i < 2500 && !until(); i++) await new Promise((r) => setTimeout(r, 2));
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

async function run(testCase) {
  const elements = {};
  for (const id of ["waiting-room", "wr-units", "wr-place", "wr-error", "wr-join", "wr-claim",
    "wr-turn-left"]) elements[id] = element(id);
  elements["wr-texts"] = { textContent: JSON.stringify(Object.fromEntries(TEXT_KEYS.map((k) => [k, k]))) };
  Object.assign(elements["waiting-room"].dataset, { statusUrl: "/statut/", joinUrl: "/rejoindre/",
    challengeUrl: "/defi/", challenge: "c", difficulty: "0", joinKey: "k",
    challengeTtlMs: "900000" });
  const sent = [];
  const timers = [];
  let cleared = 0;
  const answers = testCase.kind === "join" ? [ON_LOAD] : [testCase.body];
  let joinAnswered = false, statusAnswered = false;
  const fetch = async (url, options) => {
    let status = 200, text;
    if (url === "/rejoindre/") {
      sent.push(options.body.get("challenge"));
      status = testCase.status; text = testCase.body; joinAnswered = true;
    } else if (url === "/statut/") {
      text = answers.shift();
      if (testCase.kind === "status") { status = testCase.status; statusAnswered = true; }
    } else {
      text = JSON.stringify({ challenge: "c2", difficulty: 0 });
    }
    return { ok: status >= 200 && status < 300, status, json: async () => JSON.parse(text) };
  };
  const context = {
    document: {
      querySelector: () => ({ content: "csrf" }),
      querySelectorAll: () => [],
      getElementById: (id) => elements[id] || null,
      createElement: () => element("p"),
    },
    fetch, crypto: globalThis.crypto, TextEncoder, URLSearchParams, JSON, Promise,
    CustomEvent: class {},
    setTimeout: (fn, ms) => { timers.push(ms); return timers.length; },
    clearTimeout: (id) => { if (id) cleared++; },
  };
  context.window = context;
  vm.createContext(context);
  vm.runInContext(`Math.random = () => ${Number(testCase.rand)};`, context);
  // The page's clock, moved on by "page_age_ms" between the load and the click.
  context.pageAgeMs = 0;
  vm.runInContext("const realNow = Date.now; Date.now = () => realNow() + pageAgeMs;", context);
  vm.runInContext(source, context);
  // An answer that stops the polling sets no timer: the answer given, settle's last turns let
  // the script finish with it.
  await settle(() => timers.length > 0 || statusAnswered);
  if (testCase.kind === "status") return { ms: timers.length ? timers[0] : null, cleared: false };
  const before = timers.length, clearedBefore = cleared;
  context.pageAgeMs = Number(testCase.page_age_ms || 0);
  elements["wr-join"].listeners.click();
  // The button is enabled again once the last join (a refusal's fresh challenge is solved and
  // sent again) has its answer.
  await settle(() => joinAnswered && !elements["wr-join"].disabled);
  return { ms: timers.length > before ? timers[timers.length - 1] : null,
    cleared: cleared > clearedBefore, sent };
}

const results = [];
for (const testCase of input.cases) results.push(await run(testCase));
process.stdout.write(JSON.stringify(results));
