import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  removeStaleDirectories,
  renameDurably,
  writeAtomic,
} from "../src/atomic.ts";

/** Whether `strace` can trace a child here (it needs ptrace). */
const strace = await new Deno.Command("strace", {
  args: ["-e", "trace=none", "true"],
  stdout: "null",
  stderr: "null",
}).output().then((o) => o.success, () => false);

Deno.test(
  "writeAtomic() leaves the new content and no temporary file behind",
  async () => {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/a.txt`, "old");
    await writeAtomic(`${dir}/a.txt`, (tmp) => Deno.writeTextFile(tmp, "new"));
    assert.equal(await Deno.readTextFile(`${dir}/a.txt`), "new");
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name),
      ["a.txt"],
    );
    await Deno.remove(dir, { recursive: true });
  },
);

Deno.test(
  "writeAtomic() removes the temporary file and keeps the old one when the write fails",
  async () => {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/a.txt`, "old");
    await assert.rejects(() =>
      writeAtomic(`${dir}/a.txt`, async (tmp) => {
        await Deno.writeTextFile(tmp, "half");
        throw new Error("disk full");
      }), /disk full/);
    assert.equal(await Deno.readTextFile(`${dir}/a.txt`), "old");
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name),
      ["a.txt"],
    );
    await Deno.remove(dir, { recursive: true });
  },
);

Deno.test({
  name:
    "writeAtomic() fsyncs the temporary file before the rename and the directory after it (traced with strace)",
  ignore: !strace,
  async fn() {
    const dir = await Deno.makeTempDir();
    const atomic = fileURLToPath(new URL("../src/atomic.ts", import.meta.url));
    const script = `${dir}/write.ts`;
    await Deno.writeTextFile(
      script,
      `import { writeAtomic } from ${JSON.stringify(atomic)};
await writeAtomic(${
        JSON.stringify(`${dir}/out/a.txt`)
      }, (tmp) => Deno.writeTextFile(tmp, "data"));`,
    );
    await Deno.mkdir(`${dir}/out`);
    const { stderr, success } = await new Deno.Command("strace", {
      args: [
        "-f",
        "-e",
        "trace=openat,fsync,fdatasync,rename,renameat,renameat2",
        Deno.execPath(),
        "run",
        "-A",
        "--no-lock",
        script,
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.ok(success);
    // The calls on our files, in order: open the temporary file, fsync,
    // rename, open the directory, fsync.
    const events: string[] = [];
    for (const line of new TextDecoder().decode(stderr).split("\n")) {
      if (/openat\(.*\/out\/\.a\.txt\..*\.tmp", O_RDWR/.test(line)) {
        events.push("open temporary");
      } else if (/rename.*\/out\/\.a\.txt\..*\/out\/a\.txt"/.test(line)) {
        events.push("rename");
      } else if (new RegExp(`openat\\(.*"${dir}/out", O_RDONLY`).test(line)) {
        events.push("open directory");
      } else if (/fs?d?a?t?a?sync\(\d+[ )]/.test(line) && events.length > 0) {
        if (events.at(-1) !== "fsync") events.push("fsync");
      }
    }
    assert.deepEqual(events, [
      "open temporary",
      "fsync",
      "rename",
      "open directory",
      "fsync",
    ]);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test(
  "renameDurably() moves a file over its target",
  async () => {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/from`, "x");
    await Deno.writeTextFile(`${dir}/to`, "y");
    await renameDurably(`${dir}/from`, `${dir}/to`);
    assert.equal(await Deno.readTextFile(`${dir}/to`), "x");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["to"]);
    await Deno.remove(dir, { recursive: true });
  },
);

Deno.test(
  "removeStaleDirectories() removes only the prefixed directories untouched for over a day",
  async () => {
    const dir = await Deno.makeTempDir();
    const dayAgo = new Date(Date.now() - 24 * 3_600_000 - 60_000);
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (
      const [name, when] of [
        [".tmp-old", dayAgo],
        [".tmp-young", hourAgo],
        ["kept-old", dayAgo],
      ] as const
    ) {
      await Deno.mkdir(`${dir}/${name}/inner`, { recursive: true });
      await Deno.utime(`${dir}/${name}`, when, when);
    }
    await Deno.writeTextFile(`${dir}/.tmp-file`, "a file, not a directory");
    await Deno.utime(`${dir}/.tmp-file`, dayAgo, dayAgo);
    await removeStaleDirectories(dir, ".tmp-");
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      [".tmp-file", ".tmp-young", "kept-old"],
    );
    await removeStaleDirectories(`${dir}/absent`, ".tmp-");
    await Deno.remove(dir, { recursive: true });
  },
);
