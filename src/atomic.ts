/**
 * Atomic file writes: write to a hidden temporary sibling, flush it to disk,
 * then rename over the target and flush the directory, so a reader never sees
 * a half-written file, a failed write leaves nothing behind and a power cut
 * cannot leave a renamed but empty file. Scratch directories a killed process
 * left behind are removed once they are a day old.
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
 * `path` with {@linkcode renameDurably}, so that after a crash or power cut
 * `path` is either the old file or the complete new one (never a renamed but
 * empty file). On failure the temporary file is removed and the error
 * rethrown.
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
    await renameDurably(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}

/**
 * Renames a finished file over `target` (same file system) durably: the
 * file's data is flushed to disk before the rename and the directory entry
 * after it, so a power cut leaves either the old target or the whole new
 * file.
 *
 * @example
 * ```ts ignore
 * import { renameDurably } from "./atomic.ts";
 * await renameDurably("out/.tmp-bars.parquet", "out/bars.parquet");
 * ```
 */
export async function renameDurably(
  source: string,
  target: string,
): Promise<void> {
  await syncFile(source);
  await Deno.rename(source, target);
  await syncDirectory(dirname(target));
}

async function syncFile(path: string): Promise<void> {
  using file = await Deno.open(path, { read: true, write: true });
  await file.sync();
}

/**
 * Flushes a directory's entries (the rename). Windows cannot open a
 * directory as a file; there the rename is as durable as the platform makes
 * it.
 */
async function syncDirectory(path: string): Promise<void> {
  let directory: Deno.FsFile;
  try {
    directory = await Deno.open(path, { read: true });
  } catch {
    return;
  }
  try {
    await directory.sync();
  } catch {
    // Some file systems refuse fsync on a directory; nothing more to do.
  } finally {
    directory.close();
  }
}

/**
 * How long a scratch directory stays untouched before it counts as left
 * behind by a killed process (a live one changes its directory far more
 * often: with every file it writes).
 */
export const STALE_SCRATCH_MS = 24 * 3_600_000;

/**
 * Removes the directories directly inside `dir` whose name starts with
 * `prefix` and whose modification time is more than `STALE_SCRATCH_MS` ago:
 * the scratch space of processes killed before they could tidy up. Younger
 * ones may belong to a live process and are kept. A missing `dir`, or an
 * entry another process removes meanwhile, is not an error.
 *
 * @example
 * ```ts
 * import { removeStaleDirectories } from "./atomic.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/.tmp-old`);
 * const dayAgo = new Date(Date.now() - 25 * 3_600_000);
 * await Deno.utime(`${dir}/.tmp-old`, dayAgo, dayAgo);
 * await removeStaleDirectories(dir, ".tmp-");
 * console.log([...Deno.readDirSync(dir)].length); // 0
 * ```
 */
export async function removeStaleDirectories(
  dir: string,
  prefix: string,
): Promise<void> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  for (const entry of entries) {
    if (!entry.isDirectory || !entry.name.startsWith(prefix)) continue;
    const path = join(dir, entry.name);
    const mtime = await Deno.stat(path).then((info) => info.mtime, () => null);
    if (mtime && Date.now() - mtime.getTime() > STALE_SCRATCH_MS) {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    }
  }
}
