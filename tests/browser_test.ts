/**
 * Tests of the headless-Chromium helper in `tests/_browser.ts`: it must see a
 * rendered chart, a blank page, console errors, uncaught exceptions, failed
 * resource loads and hidden SVGs. Needs `/usr/bin/chromium`; fails without it.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { inspectPage } from "./_browser.ts";

/** Writes `html` to `page.html` in a fresh temp dir, runs `fn` on its path, removes the dir. */
async function withPage<T>(
  html: string,
  fn: (path: string) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "browser_test_" });
  try {
    const path = join(dir, "page.html");
    await Deno.writeTextFile(path, html);
    return await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const CHART = `<!doctype html>
<html><head><meta charset="utf-8"><title>Chart</title></head>
<body style="margin:0">
<svg width="400" height="200" viewBox="0 0 400 200">
  <rect x="10" y="50" width="80" height="150" fill="steelblue"/>
  <rect x="110" y="20" width="80" height="180" fill="orange"/>
  <rect x="210" y="100" width="80" height="100" fill="seagreen">
    <title>nested svg content is not counted separately</title>
  </rect>
  <svg x="300" y="0" width="100" height="200"><rect width="80" height="60" fill="crimson"/></svg>
</svg>
</body></html>`;

Deno.test("inspectPage() reports an inline SVG chart as one visible, inked svg without errors", async () => {
  const report = await withPage(CHART, (path) => inspectPage(path));
  assert.deepEqual(report.consoleErrors, []);
  assert.equal(report.title, "Chart");
  assert.deepEqual(report.svgs, [{ width: 400, height: 200, visible: true }]);
  // Roughly (80*150 + 80*180 + 80*100 + 80*60) / (1280*2000) ≈ 0.015.
  assert.ok(report.inkRatio > 0.001, `inkRatio ${report.inkRatio}`);
  assert.ok(report.inkRatio < 0.05, `inkRatio ${report.inkRatio}`);
  // PNG signature.
  assert.deepEqual([...report.screenshot.slice(0, 4)], [
    0x89,
    0x50,
    0x4e,
    0x47,
  ]);
});

Deno.test("inspectPage() reports a blank white page as uninked with no svgs", async () => {
  const report = await withPage(
    "<!doctype html><html><head><title>Blank</title></head><body></body></html>",
    (path) => inspectPage(path),
  );
  assert.deepEqual(report.consoleErrors, []);
  assert.deepEqual(report.svgs, []);
  assert.ok(report.inkRatio < 0.0005, `inkRatio ${report.inkRatio}`);
});

Deno.test("inspectPage() reports console errors, uncaught exceptions and missing images", async () => {
  const html = `<!doctype html><html><body>
<img src="missing-chart.png">
<script>console.error("plot failed:", 42);</script>
<script>throw new Error("boom in page");</script>
</body></html>`;
  const { consoleErrors } = await withPage(html, (path) => inspectPage(path));
  const has = (re: RegExp) =>
    assert.ok(
      consoleErrors.some((e) => re.test(e)),
      `${re} not in ${JSON.stringify(consoleErrors)}`,
    );
  has(/^console\.error: plot failed: 42$/);
  has(/^uncaught: Error: boom in page/);
  has(/missing-chart\.png/);
  assert.equal(consoleErrors.length, 3, JSON.stringify(consoleErrors));
});

Deno.test("inspectPage() reports an svg hidden with display:none as not visible", async () => {
  const html = `<!doctype html><html><body>
<svg width="300" height="100"><rect width="300" height="100" fill="black"/></svg>
<svg style="display:none" width="300" height="100"><rect width="300" height="100"/></svg>
<div style="visibility:hidden"><svg width="50" height="50"></svg></div>
</body></html>`;
  const { svgs } = await withPage(html, (path) => inspectPage(path));
  assert.deepEqual(svgs.map((s) => s.visible), [true, false, false]);
  assert.deepEqual(svgs[0], { width: 300, height: 100, visible: true });
});

Deno.test("inspectPage() rejects a file that does not exist", async () => {
  const dir = await Deno.makeTempDir({ prefix: "browser_test_" });
  try {
    await assert.rejects(
      inspectPage(join(dir, "nope.html")),
      /cannot load file:\/\/.*nope\.html: net::ERR_FILE_NOT_FOUND/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("inspectPage() throws a clear error when chromium is not up in time", async () => {
  await withPage("<!doctype html><p>quick</p>", async (path) => {
    await assert.rejects(
      inspectPage(path, { timeoutMs: 1 }),
      /timed out after 1 ms while /,
    );
  });
});

Deno.test("inspectPage() throws a clear error when the load event never comes", async () => {
  // An image served by a listener that accepts and never answers holds the load event
  // back. 4 s leaves room for a slow chromium start on a busy machine.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    try {
      for await (const conn of listener) conns.push(conn);
    } catch { /* listener closed */ }
  })();
  const html =
    `<!doctype html><img src="http://127.0.0.1:${listener.addr.port}/slow.png">`;
  try {
    await withPage(html, async (path) => {
      await assert.rejects(
        inspectPage(path, { timeoutMs: 4000 }),
        /timed out after 4000 ms while waiting for Page\.loadEventFired of file:/,
      );
    });
  } finally {
    listener.close();
    await accepting;
    conns.forEach((c) => c.close());
  }
});
