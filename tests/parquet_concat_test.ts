import assert from "node:assert/strict";
import { DuckDBInstance } from "@duckdb/node-api";
import pl from "nodejs-polars";
import { concatParquet, pageOffsets } from "../src/parquet_concat.ts";
import { ParquetParts } from "../src/parquet_parts.ts";

const START = Date.UTC(2024, 0, 1, 23, 58);

/**
 * Part `p` of `rows` rows: times crossing midnight, nulls, NaN, ±Infinity,
 * -0, symbols longer than a string view's inline 12 bytes and non-ASCII,
 * an Int64 beyond 2^53, booleans.
 */
function part(p: number, rows: number): pl.DataFrame {
  const at = (i: number) => p * 1_000_000 + i;
  const specials = [NaN, Infinity, -Infinity, -0, 1e-300, null];
  return pl.DataFrame([
    pl.Series(
      "end_time",
      Array.from({ length: rows }, (_, i) => START + at(i) * 1000),
      pl.Float64,
    ).cast(pl.Datetime("ms")),
    pl.Series(
      "symbol",
      Array.from(
        { length: rows },
        (_, i) => i % 7 === 0 ? null : `S${i % 13}-${"長い".repeat(i % 9)}USDT`,
      ),
      pl.Utf8,
    ),
    pl.Series(
      "value",
      Array.from(
        { length: rows },
        (_, i) =>
          i % 11 === 0 ? specials[(p + i) % specials.length] : at(i) / 3,
      ),
      pl.Float64,
    ),
    pl.Series(
      "units",
      Array.from({ length: rows }, (_, i) => 2n ** 60n + BigInt(at(i))),
    ).cast(pl.Int64),
    pl.Series(
      "flag",
      Array.from({ length: rows }, (_, i) => i % 3 === 0),
      pl.Bool,
    ),
  ]);
}

async function partFiles(sizes: number[]): Promise<{
  dir: string;
  paths: string[];
  frames: pl.DataFrame[];
}> {
  const dir = await Deno.makeTempDir({ prefix: "factorium-concat-" });
  const frames = sizes.map((rows, p) => part(p, rows));
  const paths = frames.map((frame, p) => {
    const path = `${dir}/part-${p}.parquet`;
    frame.writeParquet(path, { compression: "zstd" });
    return path;
  });
  return { dir, paths, frames };
}

/** Every value of `actual` equals `expected`'s (nulls, NaN and -0 too). */
function assertSameValues(actual: pl.DataFrame, expected: pl.DataFrame) {
  assert.deepEqual(actual.schema, expected.schema);
  assert.equal(actual.height, expected.height);
  for (const name of expected.columns) {
    const a = actual.getColumn(name).toArray();
    const b = expected.getColumn(name).toArray();
    for (let i = 0; i < b.length; i++) {
      if (!Object.is(a[i], b[i]) && String(a[i]) !== String(b[i])) {
        assert.fail(`${name}[${i}]: ${a[i]} is not ${b[i]}`);
      }
    }
  }
}

Deno.test("joined parts read back as the parts one after another, in Polars and in DuckDB", async () => {
  // An empty first part (it carries the schema), 40 small parts (more row
  // groups than a short Thrift list holds) and one part big enough for
  // Polars to write several row groups.
  const { dir, paths, frames } = await partFiles([
    0,
    ...Array.from({ length: 40 }, (_, p) => 1 + p * 37),
    700_000,
  ]);
  try {
    const target = `${dir}/joined.parquet`;
    assert.equal(concatParquet(paths, target), true);
    const expected = pl.concat(frames);
    assertSameValues(pl.readParquet(target), expected);

    // Row-group statistics moved with their groups: a filtered scan keeps
    // exactly the rows a filter in memory keeps.
    const cut = new Date(START + 20_000_000 * 1000);
    const filtered = pl.scanParquet(target)
      .filter(pl.col("end_time").gtEq(pl.lit(cut))).collectSync();
    assertSameValues(
      filtered,
      expected.filter(pl.col("end_time").gtEq(pl.lit(cut))),
    );

    const db = await DuckDBInstance.create(":memory:");
    const con = await db.connect();
    try {
      const reader = await con.runAndReadAll(
        `SELECT count(*)::DOUBLE, count(symbol)::DOUBLE, sum(units)::VARCHAR,
           count(*) FILTER (WHERE flag)::DOUBLE,
           count(*) FILTER (WHERE isnan(value))::DOUBLE
         FROM read_parquet('${target}')`,
      );
      // Int64 sums from how the parts were made (toArray would round them).
      let units = 0n, symbols = 0, flags = 0, nans = 0;
      frames.forEach((frame, p) => {
        for (let i = 0; i < frame.height; i++) {
          units += 2n ** 60n + BigInt(p * 1_000_000 + i);
        }
      });
      for (const frame of frames) {
        for (const s of frame.getColumn("symbol").toArray()) {
          if (s !== null) symbols++;
        }
        for (const f of frame.getColumn("flag").toArray()) if (f) flags++;
        for (const v of frame.getColumn("value").toArray()) {
          if (Number.isNaN(v)) nans++;
        }
      }
      assert.deepEqual(reader.getRows()[0], [
        expected.height,
        symbols,
        String(units),
        flags,
        nans,
      ]);

      // The page index moved with its pages: every chunk's listed pages
      // start at the data page DuckDB reads from the footer, and hold the
      // bytes of the same pages in the part.
      const chunks = await con.runAndReadAll(
        `SELECT data_page_offset::DOUBLE, total_compressed_size::DOUBLE,
           coalesce(dictionary_page_offset, data_page_offset)::DOUBLE
         FROM parquet_metadata('${target}') ORDER BY row_group_id, column_id`,
      );
      const joinedPages = pageOffsets(target);
      const partPages = paths.flatMap((path) =>
        pageOffsets(path).map((pages) => ({ path, pages }))
      );
      assert.equal(joinedPages.length, chunks.getRows().length);
      assert.equal(partPages.length, joinedPages.length);
      const joined = await Deno.readFile(target);
      for (const [c, row] of chunks.getRows().entries()) {
        const [dataPage, size, first] = row as number[];
        const pages = joinedPages[c];
        assert.ok(pages.length > 0, `chunk ${c} has a page index`);
        assert.equal(pages[0], dataPage, `chunk ${c}'s first page`);
        assert.ok(pages.every((o) => o >= first && o < first + size));
        const source = await Deno.readFile(partPages[c].path);
        partPages[c].pages.forEach((offset, i) => {
          assert.deepEqual(
            joined.subarray(pages[i], pages[i] + 32),
            source.subarray(offset, offset + 32),
            `chunk ${c} page ${i}`,
          );
        });
      }
    } finally {
      con.closeSync();
      db.closeSync();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parts whose schemas differ are not joined byte for byte, and nothing is written", async () => {
  const dir = await Deno.makeTempDir({ prefix: "factorium-concat-" });
  try {
    pl.DataFrame({ x: [1.5] }).writeParquet(`${dir}/a.parquet`);
    pl.DataFrame({ x: [2] }, { schema: { x: pl.Int64 } })
      .writeParquet(`${dir}/b.parquet`);
    const target = `${dir}/joined.parquet`;
    assert.equal(
      concatParquet([`${dir}/a.parquet`, `${dir}/b.parquet`], target),
      false,
    );
    await assert.rejects(Deno.stat(target), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ParquetParts writes its frames in order into one file and leaves no part behind", async () => {
  const dir = await Deno.makeTempDir({ prefix: "factorium-concat-" });
  try {
    const frames = [0, 5, 300].map((rows, p) => part(p, rows));
    const parts = await ParquetParts.open(`${dir}/out.parquet`);
    for (const frame of frames) parts.write(frame);
    assert.equal(await parts.finish(), 305);
    assertSameValues(pl.readParquet(`${dir}/out.parquet`), pl.concat(frames));
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [
      "out.parquet",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
