/**
 * One-entry ZIP archives, as Binance Vision publishes its daily dumps: a
 * writer for the sample generator and a streaming, CRC-checked reader for the
 * downloader.
 *
 * @module
 */
import { crc32 } from "node:zlib";
import { DataFileError } from "../errors.ts";
import { writeAll } from "../write_all.ts";

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP64_END_LOCATOR = 0x07064b50;
const ZIP64_EXTRA = 0x0001;

async function deflateRaw(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * A ZIP archive holding `data` as its one DEFLATE entry `name` (local header,
 * data, central directory, end record). No ZIP64, so the entry must stay
 * below 4 GiB. `dayMs` sets the entry's DOS date (time 00:00) so the output
 * is reproducible.
 *
 * @example
 * ```ts
 * import { zipOne } from "./zip.ts";
 * const zip = await zipOne("a.csv", new TextEncoder().encode("1,2\n"), 0);
 * console.log(zip[0] === 0x50 && zip[1] === 0x4b); // true ("PK")
 * ```
 *
 * @throws {RangeError} `data` is 4 GiB or larger.
 */
export async function zipOne(
  name: string,
  data: Uint8Array,
  dayMs: number,
): Promise<Uint8Array> {
  if (data.length >= 0xffffffff) {
    throw new RangeError(
      `zipOne: ${name} is ${data.length} bytes; expected less than 4 GiB (ZIP64 is not written)`,
    );
  }
  const nameBytes = new TextEncoder().encode(name);
  const compressed = await deflateRaw(data);
  const crc = crc32(data);
  const date = new Date(dayMs);
  const dosDate = ((date.getUTCFullYear() - 1980) << 9) |
    ((date.getUTCMonth() + 1) << 5) | date.getUTCDate();
  const local = 30 + nameBytes.length;
  const central = 46 + nameBytes.length;
  const out = new Uint8Array(local + compressed.length + central + 22);
  const v = new DataView(out.buffer);
  let o = 0;
  const u16 = (x: number) => {
    v.setUint16(o, x, true);
    o += 2;
  };
  const u32 = (x: number) => {
    v.setUint32(o, x, true);
    o += 4;
  };
  const entry = (header: number, extraFields: number[]) => {
    u32(header);
    for (const x of extraFields) u16(x);
    u16(0); // flags
    u16(8); // method: deflate
    u16(0); // time 00:00:00
    u16(dosDate);
    u32(crc);
    u32(compressed.length);
    u32(data.length);
    u16(nameBytes.length);
    u16(0); // extra length
  };
  entry(LOCAL_HEADER, [20]); // version needed: 2.0 (deflate)
  out.set(nameBytes, o);
  o += nameBytes.length;
  out.set(compressed, o);
  o += compressed.length;
  const centralOffset = o;
  entry(CENTRAL_HEADER, [20, 20]); // version made by, version needed
  u16(0); // comment length
  u16(0); // disk number start
  u16(0); // internal attributes
  u32(0); // external attributes
  u32(0); // offset of the local header
  out.set(nameBytes, o);
  o += nameBytes.length;
  u32(END_OF_CENTRAL_DIRECTORY);
  u16(0);
  u16(0);
  u16(1);
  u16(1);
  u32(central);
  u32(centralOffset);
  u16(0);
  return out;
}

/** What {@linkcode unzipOne} extracted. */
export interface UnzippedEntry {
  /** The entry's file name inside the archive. */
  name: string;
  /** Bytes written to the output file. */
  bytes: number;
}

/**
 * Extracts the first entry of the ZIP archive at `zipPath` into `outPath`,
 * streaming (stored or DEFLATE entries, ZIP64 sizes understood), and checks
 * the entry's CRC-32 and size. A truncated or corrupt archive throws
 * {@linkcode DataFileError} naming `zipPath`; `outPath` may then hold part
 * of the data and is the caller's to remove.
 *
 * @example
 * ```ts
 * import { unzipOne, zipOne } from "./zip.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/a.zip`, await zipOne("a.csv", new TextEncoder().encode("1,2\n"), 0));
 * console.log(await unzipOne(`${dir}/a.zip`, `${dir}/a.csv`)); // { name: "a.csv", bytes: 4 }
 * ```
 *
 * @throws {DataFileError} the archive is truncated, corrupt, empty or uses an unsupported compression method.
 */
export async function unzipOne(
  zipPath: string,
  outPath: string,
): Promise<UnzippedEntry> {
  const bad = (problem: string, cause?: unknown): never => {
    throw new DataFileError(zipPath, `not a usable ZIP archive: ${problem}`, {
      cause,
    });
  };
  using file = await Deno.open(zipPath);
  const size = (await file.stat()).size;
  const readAt = async (offset: number, length: number) => {
    const buffer = new Uint8Array(length);
    await file.seek(offset, Deno.SeekMode.Start);
    let filled = 0;
    while (filled < length) {
      const n = await file.read(buffer.subarray(filled));
      if (n === null) bad(`it ends at byte ${size}, before ${offset + length}`);
      filled += n!;
    }
    return new DataView(buffer.buffer);
  };

  // The end record is the last 22 bytes plus a comment of up to 64 KiB.
  const tailLength = Math.min(size, 22 + 0xffff);
  const tail = await readAt(size - tailLength, tailLength);
  let end = -1;
  for (let i = tailLength - 22; i >= 0; i--) {
    if (tail.getUint32(i, true) === END_OF_CENTRAL_DIRECTORY) {
      end = i;
      break;
    }
  }
  if (end < 0) bad("no end-of-central-directory record (truncated?)");
  const entries = tail.getUint16(end + 10, true);
  let centralOffset = tail.getUint32(end + 16, true);
  if (centralOffset === 0xffffffff && end >= 20) {
    if (tail.getUint32(end - 20, true) !== ZIP64_END_LOCATOR) {
      bad("ZIP64 end locator missing");
    }
    const zip64End = await readAt(
      Number(tail.getBigUint64(end - 20 + 8, true)),
      56,
    );
    centralOffset = Number(zip64End.getBigUint64(48, true));
  }
  if (entries === 0) bad("it holds no file");
  if (centralOffset + 46 > size) bad("central directory beyond the end");
  const central = await readAt(centralOffset, 46);
  if (central.getUint32(0, true) !== CENTRAL_HEADER) {
    bad("no central directory header where the end record points");
  }
  const method = central.getUint16(10, true);
  const crc = central.getUint32(16, true);
  let compressedSize = central.getUint32(20, true);
  let uncompressedSize = central.getUint32(24, true);
  const nameLength = central.getUint16(28, true);
  const extraLength = central.getUint16(30, true);
  let localOffset = central.getUint32(42, true);
  const variable = await readAt(centralOffset + 46, nameLength + extraLength);
  const name = new TextDecoder().decode(
    new Uint8Array(variable.buffer, 0, nameLength),
  );
  // ZIP64 extra field: the 64-bit values of the fields saturated above, in order.
  for (let i = nameLength; i + 4 <= nameLength + extraLength;) {
    const id = variable.getUint16(i, true);
    const length = variable.getUint16(i + 2, true);
    if (id === ZIP64_EXTRA) {
      let p = i + 4;
      const next = () => {
        const value = Number(variable.getBigUint64(p, true));
        p += 8;
        return value;
      };
      if (uncompressedSize === 0xffffffff) uncompressedSize = next();
      if (compressedSize === 0xffffffff) compressedSize = next();
      if (localOffset === 0xffffffff) localOffset = next();
    }
    i += 4 + length;
  }
  if (method !== 0 && method !== 8) {
    bad(`entry ${name} uses compression method ${method}; expected 0 or 8`);
  }
  const local = await readAt(localOffset, 30);
  if (local.getUint32(0, true) !== LOCAL_HEADER) bad("no local file header");
  const dataStart = localOffset + 30 + local.getUint16(26, true) +
    local.getUint16(28, true);
  if (dataStart + compressedSize > size) {
    bad(`entry ${name} runs beyond the end of the archive`);
  }

  await file.seek(dataStart, Deno.SeekMode.Start);
  let remaining = compressedSize;
  const compressed = new ReadableStream<Uint8Array<ArrayBuffer>>({
    async pull(controller) {
      if (remaining === 0) return controller.close();
      const chunk = new Uint8Array(Math.min(remaining, 1 << 20));
      const n = await file.read(chunk);
      if (n === null) return controller.error(new Error("unexpected end"));
      remaining -= n;
      controller.enqueue(chunk.subarray(0, n));
    },
  });
  const data: ReadableStream<Uint8Array> = method === 8
    ? compressed.pipeThrough(new DecompressionStream("deflate-raw"))
    : compressed;
  let written = 0;
  let check = 0;
  using out = await Deno.open(outPath, {
    write: true,
    create: true,
    truncate: true,
  });
  try {
    for await (const chunk of data) {
      check = crc32(chunk, check);
      written += chunk.length;
      await writeAll(out, chunk);
    }
  } catch (error) {
    bad(`entry ${name} does not decompress`, error);
  }
  if (written !== uncompressedSize) {
    bad(`entry ${name} holds ${written} bytes; expected ${uncompressedSize}`);
  }
  if (check >>> 0 !== crc) {
    bad(`entry ${name} fails its CRC-32 check`);
  }
  return { name, bytes: written };
}
