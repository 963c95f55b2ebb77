import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { AggBar } from "../mod.ts";
import { bundleOf } from "../src/display/jupyter.ts";
import { inspectPage } from "./_browser.ts";

const MINUTE = 60_000;

function bars(): AggBar {
  const records = [];
  for (let i = 0; i < 120; i++) {
    for (const [k, symbol] of ["BTCUSDT", "ETHUSDT"].entries()) {
      const price = 100 * (k + 1) + Math.sin(i / 7) * 5;
      records.push({
        symbol,
        start_time: Date.UTC(2024, 0, 1) + i * MINUTE,
        end_time: Date.UTC(2024, 0, 1) + (i + 1) * MINUTE,
        open: price,
        high: price + 1,
        low: price - 1,
        close: price + 0.5,
        volume: 10 + i,
      });
    }
  }
  return AggBar.fromRecords(records);
}

/** A notebook whose code cells each display one MIME bundle. */
function notebook(bundles: Record<string, string>[]) {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: bundles.map((data, i) => ({
      cell_type: "code",
      id: `c${i}`,
      execution_count: i + 1,
      metadata: {},
      source: `chart ${i}`,
      outputs: [{ output_type: "display_data", metadata: {}, data }],
    })),
  };
}

Deno.test("a chart's display bundle survives `jupyter nbconvert --to html`: its <img> shows ink in Chromium, a bare image/svg+xml output is blanked", async () => {
  const chart = bars().plot({ kind: "line" });
  const bundle = (await bundleOf(chart))!;
  assert.equal(bundle["image/svg+xml"], chart.toSVG());
  const src = bundle["text/html"].match(
    /src="data:image\/svg\+xml;base64,([^"]+)"/,
  );
  assert.ok(src, bundle["text/html"].slice(0, 200));
  assert.equal(Buffer.from(src[1], "base64").toString("utf8"), chart.toSVG());
  const dir = await Deno.makeTempDir({ prefix: "factorium-export-" });
  try {
    await Deno.writeTextFile(
      `${dir}/charts.ipynb`,
      JSON.stringify(notebook([
        bundle,
        { "image/svg+xml": chart.toSVG(), "text/plain": chart.title },
      ])),
    );
    const convert = await new Deno.Command("/usr/bin/jupyter", {
      args: ["nbconvert", "--to", "html", `${dir}/charts.ipynb`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(convert.code, 0, new TextDecoder().decode(convert.stderr));
    const page = await inspectPage(`${dir}/charts.html`, {
      groupSelector: ".jp-CodeCell",
      timeoutMs: 60_000,
    });
    const ours = page.charts.filter((c) => c.group === 0);
    assert.equal(ours.length, 1, JSON.stringify(page.charts));
    assert.equal(ours[0].kind, "img");
    assert.ok(ours[0].width > 300 && ours[0].height > 100);
    assert.ok(ours[0].ink > 0.02, `blank chart: ${JSON.stringify(ours[0])}`);
    // The trap the <img> avoids: nbconvert 6.5.3 strips a bare SVG output.
    const bare = page.charts.filter((c) => c.group === 1);
    assert.ok(bare.every((c) => c.ink < 0.001), JSON.stringify(bare));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
