import assert from "node:assert/strict";
import { inspectPage } from "./_browser.ts";

Deno.test("the demo's report renders in headless Chromium without console errors and with its charts visible", async () => {
  const dir = await Deno.makeTempDir({ prefix: "factorium-demo-" });
  try {
    const report = `${dir}/out/report.html`;
    const demo = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-q",
        "-A",
        "src/cli.ts",
        "demo",
        "--data-dir",
        `${dir}/data`,
        "--report",
        report,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(demo.stdout);
    assert.equal(demo.code, 0, new TextDecoder().decode(demo.stderr));
    assert.match(stdout, /wrote .*report\.html/);
    const page = await inspectPage(report, {
      width: 1280,
      height: 6000,
      timeoutMs: 60_000,
    });
    const screenshot = Deno.env.get("FACTORIUM_SCREENSHOT");
    if (screenshot) await Deno.writeFile(screenshot, page.screenshot);
    assert.deepEqual(page.consoleErrors, []);
    assert.equal(page.title, "factorium demo: sample aggTrades, 1-minute bars");
    // 8 bar and factor charts, 8 of the analysis tearsheet, 3 of each backtest
    // (equity gross and net, drawdown, where the money went).
    assert.equal(page.svgs.length, 22);
    for (const chart of page.charts) {
      assert.ok(chart.ink > 0.01, `a blank chart: ${JSON.stringify(chart)}`);
    }
    for (const svg of page.svgs) {
      assert.ok(svg.visible, `an SVG is not visible: ${JSON.stringify(svg)}`);
      assert.ok(svg.width > 300 && svg.height > 100, JSON.stringify(svg));
    }
    assert.ok(page.inkRatio > 0.02, `mostly blank page: ink ${page.inkRatio}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
