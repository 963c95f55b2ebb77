/**
 * Writing a whole buffer to a file: `Deno.FsFile.write` may write only part
 * of it.
 *
 * @module
 */

/**
 * Writes all of `bytes` to `file`, calling `write` until nothing is left.
 *
 * @example
 * ```ts
 * import { writeAll } from "./write_all.ts";
 * const path = await Deno.makeTempFile();
 * using file = await Deno.open(path, { write: true });
 * await writeAll(file, new TextEncoder().encode("hello\n"));
 * ```
 */
export async function writeAll(
  file: Deno.FsFile,
  bytes: Uint8Array,
): Promise<void> {
  for (let o = 0; o < bytes.length;) o += await file.write(bytes.subarray(o));
}

/**
 * Writes all of `bytes` to `file` synchronously, calling `writeSync` until
 * nothing is left.
 *
 * @example
 * ```ts
 * import { writeAllSync } from "./write_all.ts";
 * const path = await Deno.makeTempFile();
 * using file = Deno.openSync(path, { write: true });
 * writeAllSync(file, new TextEncoder().encode("hello\n"));
 * ```
 */
export function writeAllSync(file: Deno.FsFile, bytes: Uint8Array): void {
  for (let o = 0; o < bytes.length;) o += file.writeSync(bytes.subarray(o));
}
