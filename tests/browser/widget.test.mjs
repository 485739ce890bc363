// The widget in a real browser (Chromium through playwright-core) against a local environment.
// Started by test_widget_in_browser.py, which deploys the environment and passes, in env:
// BROWSER_PATH, API_URL, PAGE_URL (an allowed origin), FOREIGN_PAGE_URL (an origin the stack does
// not allow), PYTHON (to run the moderation CLI) and SCREENSHOT_PATH.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chromium } from "playwright-core";

const env = process.env;
const API = env.API_URL;
let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: env.BROWSER_PATH,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--no-first-run"],
  });
});
after(async () => { await browser?.close(); });

const newSlug = () => `/browser/${randomUUID()}`;

async function post(slug, author, comment) {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const response = await fetch(`${API}/comments`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ slug, author, comment }),
    });
    if (response.status === 201) return response.json();
    if (response.status !== 409) throw new Error(`POST answered ${response.status}`);
  }
  throw new Error("POST kept colliding");
}

async function open(slug, base = env.PAGE_URL) {
  const page = await browser.newPage();
  const errors = [];
  page.on("console", (message) => { if (message.type() === "error") errors.push(message.text()); });
  page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
  page.on("dialog", (dialog) => { errors.push(`dialog: ${dialog.message()}`); dialog.dismiss(); });
  await page.goto(`${base}/?slug=${encodeURIComponent(slug)}`);
  await page.waitForFunction(() => {
    const status = document.querySelector(".comments-status");
    return document.querySelector(".comment") || (status && status.textContent);
  });
  return { page, errors };
}

const texts = (page) => page.locator(".comment-text").allTextContents();

test("a visitor posts a comment and sees it, also after a reload", async () => {
  const slug = newSlug();
  const { page, errors } = await open(slug);
  assert.equal(await page.locator(".comments-status").textContent(), "No comments yet.");
  await page.fill("input[name=author]", "Ada");
  await page.fill("textarea[name=comment]", "Lovely post!\nSecond line.");
  await page.click("button[type=submit]");
  await page.waitForSelector(".comment");
  assert.deepEqual(await texts(page), ["Lovely post!\nSecond line."]);
  assert.equal(await page.locator(".comments-status").textContent(), "Comment posted.");
  await page.reload();
  await page.waitForSelector(".comment");
  assert.deepEqual(await texts(page), ["Lovely post!\nSecond line."]);
  assert.deepEqual(await page.locator(".comment-author").allTextContents(), ["Ada"]);
  assert.deepEqual(errors.filter((e) => !e.includes("favicon") && !e.includes("404")), []);
  await page.close();
});

test("25 comments page by 10 through `next`, newest first", async () => {
  const slug = newSlug();
  for (let i = 1; i <= 25; i += 1) await post(slug, "Bot", `comment ${i}`);
  const { page } = await open(slug);
  const more = page.locator(".comments-more");
  assert.equal((await texts(page)).length, 10);
  await more.click();
  await page.waitForFunction(() => document.querySelectorAll(".comment").length === 20);
  await more.click();
  await page.waitForFunction(() => document.querySelectorAll(".comment").length === 25);
  assert.equal(await more.isHidden(), true);
  const expected = Array.from({ length: 25 }, (_, i) => `comment ${25 - i}`);
  assert.deepEqual(await texts(page), expected);
  await page.close();
});

test("HTML in a comment is shown as text and runs nothing", async () => {
  const slug = newSlug();
  const payload = `<img src=x onerror="window.__xss=1;alert(1)"><script>window.__xss=2</script>`;
  await post(slug, "<b>Mallory</b>", payload);
  const { page, errors } = await open(slug);
  assert.deepEqual(await texts(page), [payload]);
  assert.deepEqual(await page.locator(".comment-author").allTextContents(), ["<b>Mallory</b>"]);
  assert.equal(await page.locator(".comments-list img, .comments-list script, .comments-list b").count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.equal(errors.filter((e) => e.startsWith("dialog")).length, 0);
  await page.close();
});

test("a page from an origin the stack does not allow is refused, and the widget says so", async () => {
  const slug = newSlug();
  await post(slug, "Ada", "only for allowed origins");
  const { page, errors } = await open(slug, env.FOREIGN_PAGE_URL);
  const status = page.locator(".comments-status.comments-error");
  assert.match(await status.textContent(), /^Could not reach the comments service at /);
  assert.equal(await page.locator(".comment").count(), 0);
  assert.ok(errors.some((e) => e.includes("CORS") || e.includes("Access-Control-Allow-Origin")),
    `the browser reports the CORS refusal: ${errors.join(" | ")}`);
  assert.ok(errors.some((e) => e.startsWith("comments widget: Could not reach")));
  await page.close();
});

test("a script tag without data-api shows a message instead of failing", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
  await page.goto(`${env.PAGE_URL}/missing`).catch(() => {});
  await page.setContent(`<script src="${env.PAGE_URL}/comments.js" data-slug="/x"></script>`);
  await page.waitForSelector(".comments-status.comments-error");
  assert.match(await page.locator(".comments-status").textContent(), /needs data-api/);
  assert.ok(errors.some((e) => e.includes("needs data-api")));
  assert.ok(!errors.some((e) => e.startsWith("uncaught")));
  await page.close();
});

test("a moderator deletes a comment with the CLI and it disappears from the page", async () => {
  const slug = newSlug();
  const keep = await post(slug, "Ada", "a kind word");
  const spam = await post(slug, "Spammer", "buy cheap things");
  const { page } = await open(slug);
  assert.deepEqual(await texts(page), ["buy cheap things", "a kind word"]);
  const output = execFileSync(env.PYTHON, ["-m", "moderation", "--stack", "local", "delete",
    "--slug", slug, "--created-at", String(spam.createdAt)], { cwd: env.REPO_ROOT, encoding: "utf8" });
  assert.match(output, /deleted from .*buy cheap things/);
  await page.reload();
  await page.waitForSelector(".comment");
  assert.deepEqual(await texts(page), ["a kind word"]);
  assert.equal(keep.comment, "a kind word");
  await page.close();
});

test("a comment a pre-moderating stack accepts (202) is announced, not listed", async () => {
  const slug = newSlug();
  const { page } = await open(slug);
  // This stack post-moderates; answer the POST as a pre-moderating stack does.
  await page.route(`${API}/comments`, (route) => route.request().method() === "POST"
    ? route.fulfill({
      status: 202,
      headers: { "Access-Control-Allow-Origin": env.PAGE_URL, "Content-Type": "application/json" },
      body: JSON.stringify({ slug, createdAt: Date.now(), author: "Ada", comment: "pending" }),
    })
    : route.continue());
  await page.fill("input[name=author]", "Ada");
  await page.fill("textarea[name=comment]", "pending");
  await page.click("button[type=submit]");
  await page.waitForSelector(".comments-status:has-text('Thanks')");
  assert.equal(await page.locator(".comments-status").textContent(),
    "Thanks! Your comment will appear once a moderator approves it.");
  assert.equal(await page.locator(".comment").count(), 0);
  await page.close();
});

test("screenshot of the demo page", async () => {
  const slug = newSlug();
  await post(slug, "Ada", "First! The widget is one small script, no build step.");
  await post(slug, "Grace", "Comments render as text: <b>this</b> stays literal.");
  const { page } = await open(slug);
  await page.setViewportSize({ width: 800, height: 700 });
  await page.fill("input[name=author]", "Linus");
  await page.fill("textarea[name=comment]", "Posting from the demo page.");
  await page.click("button[type=submit]");
  await page.waitForFunction(() => document.querySelectorAll(".comment").length === 3);
  await page.screenshot({ path: env.SCREENSHOT_PATH, fullPage: true });
  await page.close();
});
