/**
 * Reading a Parquet file's footer: the Thrift metadata before the closing
 * 4-byte length and `PAR1`.
 *
 * @module
 */

/** Footers longer than this are not read. */
const MAX_FOOTER_BYTES = 16 << 20;

/** Bytes read from a file's end at once: most Parquet footers fit. */
const TAIL_BYTES = 64 << 10;

/**
 * The footer of the open file `handle` of `size` bytes, as a copy (so a
 * 64 KiB read buffer does not stay alive behind it); null when the file is
 * not Parquet or its footer is over 16 MiB.
 *
 * @example
 * ```ts
 * import pl from "nodejs-polars";
 * import { parquetFooter } from "./parquet_footer.ts";
 * const path = await Deno.makeTempFile({ suffix: ".parquet" });
 * pl.DataFrame({ x: [1] }).writeParquet(path);
 * using file = Deno.openSync(path);
 * console.log(parquetFooter(file, file.statSync().size)!.length > 0); // true
 * ```
 */
export function parquetFooter(
  handle: Deno.FsFile,
  size: number,
): Uint8Array<ArrayBuffer> | null {
  if (size < 12) return null;
  let tail = readAt(handle, Math.max(0, size - TAIL_BYTES), size);
  const end = tail.length - 8;
  const length = new DataView(tail.buffer, tail.byteOffset + end, 4)
    .getUint32(0, true);
  const magic = new TextDecoder().decode(tail.subarray(end + 4));
  if (magic !== "PAR1" || length > size - 12 || length > MAX_FOOTER_BYTES) {
    return null;
  }
  if (length > end) tail = readAt(handle, size - 8 - length, size);
  return tail.slice(tail.length - 8 - length, -8);
}

/** Bytes `[from, to)` of an open file. */
function readAt(
  handle: Deno.FsFile,
  from: number,
  to: number,
): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(to - from);
  handle.seekSync(from, Deno.SeekMode.Start);
  for (let read = 0; read < bytes.length;) {
    const n = handle.readSync(bytes.subarray(read));
    if (n === null) break;
    read += n;
  }
  return bytes;
}
