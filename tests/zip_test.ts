/**
 * Tests of the one-entry ZIP writer and streaming reader (`src/data/zip.ts`).
 * `tests/fixtures/*.zip` were written by Python's `zipfile` (an independent
 * implementation): a stored entry, and a DEFLATE entry written to a pipe
 * (sizes in a data descriptor and ZIP64 local fields); both hold {@linkcode fixtureCsv}.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DataFileError } from "../mod.ts";
import { unzipOne, zipOne } from "../src/data/zip.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;

/** What the Python-written fixtures hold. */
function fixtureCsv(): string {
  let text = "";
  for (let i = 0; i < 500; i++) text += `${i},${i * 7}.5,True\n`;
  return text;
}

/** Bytes whose compressed size varies: repetitive text and random noise. */
function sampleBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[i] = i % 3 === 0 ? state >>> 24 : 48 + (i % 10);
  }
  return bytes;
}

Deno.test("unzipOne() reads back what zipOne() wrote, empty and multi-megabyte entries included", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (
      const [length, seed] of [[0, 1], [1, 2], [70_000, 3], [3_000_000, 4]]
    ) {
      const data = sampleBytes(length, seed);
      await Deno.writeFile(
        join(dir, "a.zip"),
        await zipOne("a.csv", data, Date.UTC(2024, 0, 2)),
      );
      const entry = await unzipOne(join(dir, "a.zip"), join(dir, "a.csv"));
      assert.deepEqual(entry, { name: "a.csv", bytes: length });
      assert.deepEqual(await Deno.readFile(join(dir, "a.csv")), data);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("unzipOne() reads archives Python's zipfile wrote: a stored entry and a streamed one with a data descriptor", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (
      const [file, name] of [
        ["stored.zip", "stored.csv"],
        ["streamed_descriptor.zip", "streamed.csv"],
      ]
    ) {
      const out = join(dir, name);
      const entry = await unzipOne(join(FIXTURES, file), out);
      assert.equal(entry.name, name);
      assert.equal(await Deno.readTextFile(out), fixtureCsv());
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * `zip` rewritten as a large-file writer would: the central directory's
 * sizes saturated at 0xFFFFFFFF, the real ones in a ZIP64 extra field.
 */
function withZip64Sizes(zip: Uint8Array): Uint8Array {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const end = zip.length - 22;
  const centralOffset = view.getUint32(end + 16, true);
  const centralSize = view.getUint32(end + 12, true);
  const out = new Uint8Array(zip.length + 20);
  out.set(zip.subarray(0, centralOffset + centralSize));
  const v = new DataView(out.buffer);
  const compressed = view.getUint32(centralOffset + 20, true);
  const uncompressed = view.getUint32(centralOffset + 24, true);
  v.setUint32(centralOffset + 20, 0xffffffff, true);
  v.setUint32(centralOffset + 24, 0xffffffff, true);
  v.setUint16(centralOffset + 30, 20, true); // extra length
  let o = centralOffset + centralSize;
  v.setUint16(o, 0x0001, true); // ZIP64 extended information
  v.setUint16(o + 2, 16, true);
  v.setBigUint64(o + 4, BigInt(uncompressed), true);
  v.setBigUint64(o + 12, BigInt(compressed), true);
  o += 20;
  out.set(zip.subarray(end), o);
  v.setUint32(o + 12, centralSize + 20, true);
  return out;
}

Deno.test("unzipOne() takes the sizes from a ZIP64 extra field when the central directory saturates them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = sampleBytes(100_000, 5);
    const zip = withZip64Sizes(await zipOne("big.csv", data, 0));
    await Deno.writeFile(join(dir, "big.zip"), zip);
    const entry = await unzipOne(join(dir, "big.zip"), join(dir, "big.csv"));
    assert.deepEqual(entry, { name: "big.csv", bytes: data.length });
    assert.deepEqual(await Deno.readFile(join(dir, "big.csv")), data);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("unzipOne() rejects a truncated archive, a flipped data byte and a file that is not a ZIP with DataFileError", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = sampleBytes(200_000, 9);
    const zip = await zipOne("a.csv", data, 0);
    const flipped = zip.slice();
    flipped[30 + "a.csv".length + 1000] ^= 0x10;
    const cases: [string, Uint8Array, RegExp][] = [
      [
        "truncated",
        zip.subarray(0, zip.length - 40),
        /end-of-central-directory/,
      ],
      ["cut in the data", zip.subarray(0, 5_000), /end-of-central-directory/],
      ["flipped", flipped, /does not decompress|CRC-32|holds \d+ bytes/],
      [
        "not a zip",
        new TextEncoder().encode("1,2,3\n".repeat(100)),
        /end-of-central-directory/,
      ],
      ["empty", new Uint8Array(0), /end-of-central-directory/],
    ];
    for (const [what, bytes, message] of cases) {
      const path = join(dir, `${what}.zip`);
      await Deno.writeFile(path, bytes);
      await assert.rejects(
        unzipOne(path, join(dir, "out.csv")),
        (error: unknown) => {
          assert.ok(error instanceof DataFileError, `${what}: ${error}`);
          assert.equal(error.file, path);
          assert.match(error.message, message, what);
          return true;
        },
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
