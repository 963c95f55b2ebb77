/**
 * The registry of exchange adapters.
 *
 * @module
 */
import { InvalidArgumentError } from "../../errors.ts";
import type { ExchangeAdapter } from "./adapter.ts";
import { binance } from "./binance.ts";
import { bybit } from "./bybit.ts";

export * from "./adapter.ts";
export { binance } from "./binance.ts";
export { bybit } from "./bybit.ts";

const ADAPTERS = new Map<string, ExchangeAdapter>(
  [binance, bybit].map((adapter) => [adapter.name, adapter]),
);

/**
 * Makes an adapter available by its name to {@linkcode getAdapter} and so to
 * the loader (replacing any adapter of the same name).
 *
 * @example
 * ```ts
 * import { binance, registerAdapter } from "./mod.ts";
 * registerAdapter({ ...binance, name: "binance_mirror" });
 * ```
 */
export function registerAdapter(adapter: ExchangeAdapter): void {
  ADAPTERS.set(adapter.name, adapter);
}

/**
 * The adapter registered under `name`; an unknown name throws
 * {@linkcode InvalidArgumentError} listing the known ones.
 *
 * @example
 * ```ts
 * import { getAdapter } from "./mod.ts";
 * console.log(getAdapter("binance").markets); // ["spot", "futures_um", "futures_cm"]
 * ```
 */
export function getAdapter(name: string): ExchangeAdapter {
  const adapter = ADAPTERS.get(name);
  if (!adapter) {
    throw new InvalidArgumentError(
      "exchange",
      name,
      `one of ${[...ADAPTERS.keys()].map((k) => JSON.stringify(k)).join(", ")}`,
    );
  }
  return adapter;
}
