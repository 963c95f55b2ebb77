/**
 * A separate process for the cache race test: loads one request `loads`
 * times from a shared data and cache directory and writes each result to
 * `{out}/{worker}-{i}.parquet`; a failed load or a warning goes to stderr.
 *
 * Usage: `deno run -A tests/_load_worker.ts <dataDir> <cacheDir> <out> <worker> <loads> <request JSON>`
 *
 * @module
 */
import { DataLoader, type LoadAggBarOptions } from "../mod.ts";

const [dataDir, cacheDir, out, worker, loads, request] = Deno.args;
const loader = new DataLoader({
  dataDir,
  cacheDir,
  onWarning: (message) => console.error(`warning: ${message}`),
});
for (let i = 0; i < Number(loads); i++) {
  try {
    const agg = await loader.loadAggBar(
      JSON.parse(request) as LoadAggBarOptions,
    );
    agg.toPolars().writeParquet(`${out}/${worker}-${i}.parquet`);
  } catch (error) {
    console.error(
      `load ${i} failed: ${(error as Error)?.constructor?.name}: ${
        (error as Error)?.message
      }`,
    );
  }
}
await loader.close();
