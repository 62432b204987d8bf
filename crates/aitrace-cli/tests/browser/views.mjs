// Drives Debian's Chromium (headless, through playwright-core) over the web view of a
// running `aitrace serve` that browser_views.rs filled, and checks what a user sees:
// the trace list and its filters and pages, a trace (tree, details, timeline, critical
// path, a span's attributes, events and content), a conversation, the model charts.
// Every request must stay on the server: no CDN, nothing from the network.
//
// Usage: node views.mjs   (settings in the environment, see `env` below)
// Prints one JSON line of what it saw; exits non-zero, saying why, on a failed check.
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const base = env("AITRACE_URL");
const workflow = JSON.parse(env("AITRACE_WORKFLOW")); // {trace_id, conversation, service}
const special = env("AITRACE_SPECIAL_TRACE"); // tripped guardrail, incomplete call, partial
const pageConversation = env("AITRACE_PAGE_CONVERSATION"); // 60 traces for paging
const screenshots = process.env.AITRACE_SCREENSHOTS || "";

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}
const seen = {};

const profile = mkdtempSync(join(tmpdir(), "aitrace-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: env("AITRACE_CHROMIUM"),
  headless: true,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
  viewport: { width: 1400, height: 1000 },
});
const foreign = [];
await context.route("**/*", (route) => {
  const url = route.request().url();
  if (url.startsWith(base) || url.startsWith("data:")) return route.continue();
  foreign.push(url);
  return route.abort();
});
const page = context.pages()[0] || (await context.newPage());
const errors = [];
page.on("pageerror", (e) => errors.push(String(e)));
page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });

const texts = async (selector) => page.locator(selector).allInnerTexts();
const rowOf = (traceId) => page.locator(`tr[data-trace-id="${traceId}"]`);

try {
  // The trace list: newest first, one row per trace, the stylesheet applied.
  await page.goto(base + "/");
  check((await page.title()) === "Traces · aitrace", "title of the list");
  const headerBg = await page.locator("header").evaluate((e) => getComputedStyle(e).backgroundColor);
  check(headerBg === "rgb(245, 247, 250)", `the embedded stylesheet is applied (header ${headerBg})`);
  const headings = await texts("table#traces thead th");
  check(JSON.stringify(headings) === JSON.stringify(
    ["Time (UTC)", "Root", "Service", "Duration", "Model calls", "Tokens", "Cost", "Errors", "Conversation"]),
    `columns: ${headings}`);
  const times = await texts("table#traces td.time");
  check(times.length === 50, `a page holds 50 traces (${times.length})`);
  check(times.every((t, i) => i === 0 || times[i - 1] >= t), "newest first");
  // The workflow's row (it is the newest trace).
  const row = rowOf(workflow.trace_id);
  check((await row.count()) === 1, "the workflow trace is on the first page");
  const cells = await row.locator("td").allInnerTexts();
  seen.workflow_row = cells;
  check(cells[1].startsWith("invoke_workflow customer_support"), `root: ${cells[1]}`);
  check(cells[2] === workflow.service, `service: ${cells[2]}`);
  check(/ ms$/.test(cells[3]), `duration: ${cells[3]}`);
  check(cells[4] === "3", `model calls: ${cells[4]}`);
  check(/^\d+ in \/ \d+ out$/.test(cells[5]), `tokens: ${cells[5]}`);
  check(/^\$0\.00\d\d$/.test(cells[6]), `cost: ${cells[6]}`);
  check(cells[7] === "1", `errors: ${cells[7]}`);
  check(cells[8] === workflow.conversation, `conversation: ${cells[8]}`);

  // Paging: the next page holds older traces, then back to the newest.
  const firstPage = await page.locator("table#traces tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.traceId));
  await page.click("#older");
  const secondPage = await page.locator("table#traces tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.traceId));
  check(secondPage.length > 0 && secondPage.every((id) => !firstPage.includes(id)), "page 2 holds other traces");
  const olderTimes = await texts("table#traces td.time");
  check(olderTimes[0] <= times[times.length - 1], "page 2 is older");
  await page.click("#newest");
  check((await rowOf(workflow.trace_id).count()) === 1, "back to the newest page");

  // Filters, through the form as a user fills it.
  const filterCount = async (fill) => {
    await page.goto(base + "/");
    await fill();
    await Promise.all([page.waitForNavigation(), page.click("#f-apply")]);
    return page.locator("table#traces tbody tr").count();
  };
  check(await filterCount(() => page.fill("#f-conversation", pageConversation)) === 50, "conversation filter (first page of 60)");
  check(await filterCount(() => page.fill("#f-conversation", workflow.conversation)) === 1, "the workflow's conversation");
  check(await filterCount(() => page.selectOption("#f-service", workflow.service)) === 1, "service filter");
  const erroring = await filterCount(() => page.check("#f-errors"));
  check(erroring === 2, `errors only: the workflow and the special trace (${erroring})`);
  check(await filterCount(() => page.selectOption("#f-model", "claude-sonnet-4-5-20250929")) === 1, "model filter");
  check(await filterCount(() => page.fill("#f-min_cost", "0.001")) === 1, "minimum cost");
  const slow = await filterCount(() => page.fill("#f-min_ms", "150"));
  check(slow >= 1 && slow < 50, `minimum duration (${slow})`);
  check(await filterCount(() => page.selectOption("#f-since", "15m")) === 50, "started in the last 15 minutes");
  check(await filterCount(() => page.fill("#f-from", "2200-01-01T00:00")) === 0, "a time range in the future");
  check((await page.locator("#no-traces").innerText()).includes("No trace matches"), "says nothing matches");

  // A trace: from the list, by clicking its root.
  await page.goto(base + "/");
  await Promise.all([page.waitForNavigation(), rowOf(workflow.trace_id).locator("td.root a").click()]);
  check((await page.locator("#trace-title").innerText()) === "invoke_workflow customer_support", "trace title");
  check((await page.locator("#trace-id").innerText()) === workflow.trace_id, "trace id");
  check((await page.locator("#total-model-calls .value").innerText()) === "3", "model calls total");
  check((await page.locator("#total-errors .value").innerText()) === "1", "errors total");
  check(/^\$0\.00\d\d$/.test(await page.locator("#total-cost .value").innerText()), "cost total");
  // The AI tree, drawn as the console draws it.
  const tree = await page.locator("table#tree tbody tr td.name").allInnerTexts();
  seen.tree = tree;
  const expected = [
    "invoke_workflow customer_support",
    "└── invoke_agent triage",
    "    ├── apply_guardrail pii_check",
    "    ├── chat gpt-4o-mini",
    "    ├── execute_tool search_kb",
    "    ├── execute_tool lookup_order",
    "    ├── chat gpt-4o-mini",
    "    └── execute_tool transfer_to_billing",
    "        └── invoke_agent billing",
    "            └── chat claude-sonnet-4-5",
  ];
  check(JSON.stringify(tree) === JSON.stringify(expected), `tree: ${JSON.stringify(tree)}`);
  const line = (n) => page.locator("table#tree tbody tr").nth(n);
  const details = await page.locator("table#tree tbody td.details").allInnerTexts();
  check(/^gpt-4o-mini-2024-07-18 · \d+ in \/ \d+ out tokens · \$0\.000\d+$/.test(details[3]), `generation details: ${details[3]}`);
  check(details[2] === "passed", `guardrail verdict: ${details[2]}`);
  check(details[7] === "triage -> billing", `handoff: ${details[7]}`);
  check((await line(5).locator("td.status").innerText()).startsWith("✗ lookup_order timed out"), "the error");
  check((await line(5).getAttribute("class")).includes("error"), "the error row is marked");
  check((await line(0).locator("td.type").innerText()) === "workflow", "span type");
  // The timeline: one bar per span, inside the trace, later spans further right.
  const bars = await page.locator("table#tree tbody td.timeline rect").evaluateAll((rs) =>
    rs.map((r) => [Number(r.getAttribute("x")), Number(r.getAttribute("width"))]));
  check(bars.length === 10 && bars.every(([x, w]) => x >= 0 && w > 0 && x + w <= 1000.5), `bars: ${bars}`);
  check(bars[0][0] === 0 && bars[0][1] > 990, "the root spans the timeline");
  check(bars[9][0] > bars[3][0], "the billing call starts after the first call");
  // The critical path: listed, and its spans marked in the tree.
  const path = await texts("#critical-path li");
  const critical = await page.locator("table#tree tbody tr.critical td.name a").allInnerTexts();
  check(path.length >= 3 && path.length === critical.length, `critical path ${path} / ${critical}`);
  check(path.every((p, i) => p.startsWith(critical[i] + " ")), "the marked spans are the path's");

  // A span's attributes, captured content and events.
  await Promise.all([page.waitForNavigation(), page.click(`table#tree a:text-is("chat claude-sonnet-4-5")`)]);
  check((await page.locator("#detail h2").innerText()) === "chat claude-sonnet-4-5", "the selected span");
  check((await line(9).getAttribute("class")).includes("selected"), "selected in the tree");
  const attrs = await page.locator("#attributes tr").evaluateAll((rows) =>
    Object.fromEntries(rows.map((r) => [r.querySelector("th").innerText, r.querySelector("td").innerText])));
  check(attrs["gen_ai.request.model"] === "claude-sonnet-4-5", "attribute: request model");
  check(Number(attrs["ai.cost_usd"]) > 0, "attribute: cost");
  const content = await page.locator("#content").innerText();
  check(content.includes("gen_ai.input.messages") && content.includes("charged twice"), "captured content");
  await Promise.all([page.waitForNavigation(), page.click(`table#tree a:text-is("execute_tool lookup_order")`)]);
  const events = await page.locator("#events").innerText();
  check(events.includes("exception") && events.includes("exception.message"), `events: ${events}`);
  if (screenshots) {
    await page.goto(`${base}/trace/${workflow.trace_id}?span=${await line(9).getAttribute("data-span-id")}`);
    await page.screenshot({ path: join(screenshots, "viewer-trace.png") });
  }

  // Guardrail verdicts, incomplete calls and partial traces.
  await page.goto(`${base}/trace/${special}`);
  const specialDetails = await page.locator("table#tree tbody td.details").allInnerTexts();
  seen.special = specialDetails;
  check(specialDetails.some((d) => d === "TRIPPED: leaks an email address"), "a tripped guardrail");
  const specialStatus = await page.locator("table#tree tbody td.status").allInnerTexts();
  check(specialStatus.some((d) => d === "◌ incomplete"), `an incomplete call: ${specialStatus}`);
  check((await page.locator("#partial").count()) === 1, "the partial trace says so");
  check((await page.locator("td.details .tripped").count()) === 1, "the verdict is highlighted");

  // The conversation, from the trace page's link: its traces in order, with totals.
  await page.goto(`${base}/trace/${workflow.trace_id}`);
  await Promise.all([page.waitForNavigation(), page.click("#conversation-link")]);
  check((await page.locator("#conversation-id").innerText()) === workflow.conversation, "conversation page");
  check((await page.locator("#total-traces .value").innerText()) === "1", "conversation totals");
  await page.goto(`${base}/conversation/${pageConversation}`);
  const convTimes = await texts("table#traces td.time");
  check(convTimes.length === 60, `all 60 traces (${convTimes.length})`);
  check(convTimes.every((t, i) => i === 0 || convTimes[i - 1] <= t), "in the order they ran");
  check((await page.locator("#total-model-calls .value").innerText()) === "60", "60 model calls");
  if (screenshots) {
    await page.goto(base + "/");
    await page.screenshot({ path: join(screenshots, "viewer-traces.png") });
  }

  // Tokens and cost by model over time.
  await page.goto(base + "/");
  await Promise.all([page.waitForNavigation(), page.click("header nav >> text=Models")]);
  const models = await page.locator("#model-totals tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.model));
  seen.models = models;
  check(models.includes("claude-sonnet-4-5-20250929") && models.includes("gpt-4o"), `models: ${models}`);
  for (const id of ["#chart-tokens", "#chart-cost"]) {
    const titles = await page.locator(`${id} rect title`).allTextContents();
    check(titles.some((t) => t.startsWith("gpt-4o · ")), `${id} has gpt-4o bars`);
    const box = await page.locator(id).boundingBox();
    check(box && box.width > 300 && box.height > 80, `${id} is drawn`);
  }
  if (screenshots) await page.screenshot({ path: join(screenshots, "viewer-models.png"), fullPage: true });

  check(foreign.length === 0, `requests left the server: ${foreign}`);
  check(errors.length === 0, `browser errors: ${errors}`);
  console.log(JSON.stringify(seen));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
