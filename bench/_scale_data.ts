/**
 * The bar panel of the scale benches: 400 (or any number of) symbols of
 * one-minute bars written straight to Parquet, one file per UTC day with
 * every symbol (no ticks).
 *
 * @module
 */
import pl from "nodejs-polars";

const DAY_MS = 86_400_000;
const START = Date.UTC(2024, 0, 1);

/**
 * Writes `days` daily Parquet files (`day-NNNN.parquet`, from 2024-01-01)
 * of `symbols` × 1,440 one-minute bars (random-walk closes, random
 * volumes), skipping files already there.
 */
export async function generateScalePanel(
  dir: string,
  symbols: number,
  days: number,
) {
  await Deno.mkdir(dir, { recursive: true });
  const names = Array.from(
    { length: symbols },
    (_, s) => `S${String(s).padStart(3, "0")}USDT`,
  );
  const price = Float64Array.from({ length: symbols }, (_, s) => 10 + s);
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let d = 0; d < days; d++) {
    const path = `${dir}/day-${String(d).padStart(4, "0")}.parquet`;
    try {
      await Deno.stat(path);
      continue;
    } catch {
      // not yet written
    }
    const n = 1440 * symbols;
    const start = new BigInt64Array(n), end = new BigInt64Array(n);
    const close = new Float64Array(n), volume = new Float64Array(n);
    const symbol: string[] = new Array(n);
    for (let m = 0, i = 0; m < 1440; m++) {
      const t = START + d * DAY_MS + m * 60_000;
      for (let s = 0; s < symbols; s++, i++) {
        price[s] *= 1 + (random() - 0.5) * 0.002;
        start[i] = BigInt(t);
        end[i] = BigInt(t + 60_000);
        close[i] = price[s];
        volume[i] = random() * 100;
        symbol[i] = names[s];
      }
    }
    pl.DataFrame([
      pl.Series("start_time", start, pl.Int64),
      pl.Series("end_time", end, pl.Int64),
      pl.Series("symbol", symbol, pl.Utf8),
      pl.Series("close", close, pl.Float64),
      pl.Series("volume", volume, pl.Float64),
    ]).writeParquet(path, { compression: "zstd" });
  }
}
