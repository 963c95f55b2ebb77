/**
 * Which of many source paths exist, without a `stat` per path: a folder is
 * found by listing its parent once, so the days of a symbol whose folder is
 * absent cost no system call each.
 *
 * @module
 */

/**
 * Answers whether folders and files exist, remembering each directory
 * listing it reads.
 *
 * @example
 * ```ts
 * import { PathProbe } from "./present.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.txt`, "x");
 * const probe = new PathProbe();
 * console.log(await probe.files([`${dir}/a.txt`, `${dir}/b/c/d.txt`])); // [".../a.txt"]
 * ```
 */
export class PathProbe {
  #listings = new Map<string, Set<string> | null>();
  #folders = new Map<string, boolean>();

  /** Whether `folder` exists: each ancestor is looked up in its parent's listing. */
  async folderExists(folder: string): Promise<boolean> {
    let exists = this.#folders.get(folder);
    if (exists === undefined) {
      const slash = folder.lastIndexOf("/");
      const parent = folder.slice(0, slash);
      exists = slash <= 0 ||
        (await this.folderExists(parent) &&
          (await this.#listing(parent))?.has(folder.slice(slash + 1)) ===
            true);
      this.#folders.set(folder, exists);
    }
    return exists;
  }

  /** The subset of `paths` that exist as files, in the given order. */
  async files(paths: readonly string[]): Promise<string[]> {
    const found: string[] = [];
    for (const path of paths) {
      if (!(await this.folderExists(path.slice(0, path.lastIndexOf("/"))))) {
        continue;
      }
      try {
        if ((await Deno.stat(path)).isFile) found.push(path);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
    return found;
  }

  async #listing(dir: string): Promise<Set<string> | null> {
    let names = this.#listings.get(dir);
    if (names === undefined) {
      names = await listDirectories(dir);
      this.#listings.set(dir, names);
    }
    return names;
  }
}

/** Names of the subdirectories of `dir`; `null` when it does not exist. */
async function listDirectories(dir: string): Promise<Set<string> | null> {
  const names = new Set<string>();
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isDirectory || entry.isSymlink) names.add(entry.name);
    }
  } catch (error) {
    if (
      error instanceof Deno.errors.NotFound ||
      error instanceof Deno.errors.NotADirectory
    ) return null;
    throw error;
  }
  return names;
}
