/**
 * Atomic file writes: write to a hidden temporary sibling, then rename over
 * the target, so a reader never sees a half-written file and a failed write
 * leaves nothing behind.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";

/**
 * Hidden temporary sibling of `path` (`.data.parquet.<uuid>.tmp`); its
 * extension keeps `*.parquet` globs off it.
 *
 * @example
 * ```ts
 * import { temporarySibling } from "./atomic.ts";
 * console.log(temporarySibling("out/a.csv").startsWith("out/.a.csv.")); // true
 * ```
 */
export function temporarySibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.${crypto.randomUUID()}.tmp`);
}

/**
 * Calls `write` with a temporary path next to `path`, then renames it over
 * `path`; on failure the temporary file is removed and the error rethrown.
 *
 * @example
 * ```ts ignore
 * import { writeAtomic } from "./atomic.ts";
 * await writeAtomic("out/report.html", (tmp) => Deno.writeTextFile(tmp, html));
 * ```
 */
export async function writeAtomic(
  path: string,
  write: (temporary: string) => unknown,
): Promise<void> {
  const temporary = temporarySibling(path);
  try {
    await write(temporary);
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}
