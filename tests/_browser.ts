/**
 * Test helper: load a local HTML file in Debian's headless Chromium
 * (`/usr/bin/chromium`) and report console errors, top-level SVG boxes, how
 * much of the viewport is inked, and the title. Speaks the Chrome DevTools
 * Protocol over Deno's built-in `WebSocket`; no npm packages. Chromium and its
 * temporary profile are always cleaned up, so Deno's sanitizers stay on.
 */

import { pathToFileURL } from "node:url";

const CHROMIUM = "/usr/bin/chromium";

/** What {@link inspectPage} saw after the page's load event. */
export interface PageReport {
  /** Console errors/asserts, uncaught exceptions and error log entries (e.g. failed resource loads). */
  consoleErrors: string[];
  /** Every `<svg>` not nested in another svg: its client rect size and whether it is visible. */
  svgs: { width: number; height: number; visible: boolean }[];
  /**
   * Every chart (a top-level `<svg>` or an `<img>` showing an SVG data URI):
   * its size, the share of its own pixels that are inked (a screenshot of
   * its box), and the index of the `options.groupSelector` element holding
   * it (-1 when none does).
   */
  charts: {
    kind: "svg" | "img";
    width: number;
    height: number;
    ink: number;
    group: number;
  }[];
  /** Share of viewport screenshot pixels that are not near-white (some r, g or b below 250). */
  inkRatio: number;
  /** `document.title`. */
  title: string;
  /** The viewport screenshot as PNG bytes, for a human to look at. */
  screenshot: Uint8Array;
}

/** Options of {@link inspectPage}. */
export interface InspectOptions {
  /** Viewport width in CSS pixels (device scale 1); default 1280. */
  width?: number;
  /** Viewport height in CSS pixels; default 2000. */
  height?: number;
  /** Limit for the whole run, from launching Chromium to the screenshot; default 20000. */
  timeoutMs?: number;
  /** CSS selector of the elements that group charts (e.g. a notebook's code cells); default none. */
  groupSelector?: string;
}

// deno-lint-ignore no-explicit-any
type Json = any;

/** Formats a CDP `Runtime.RemoteObject` as console.log would, roughly. */
function show(o: Json): string {
  if (o.type === "string") return o.value;
  if ("value" in o) return JSON.stringify(o.value);
  return o.description ?? o.unserializableValue ?? o.type;
}

const SVGS = `[...document.querySelectorAll("svg")]
  .filter((s) => !s.parentElement?.closest("svg"))
  .map((s) => {
    const r = s.getBoundingClientRect(), cs = getComputedStyle(s);
    return { width: r.width, height: r.height, visible: r.width > 0 && r.height > 0 &&
      cs.display !== "none" && cs.visibility !== "hidden" };
  })`;

/** Boxes (document coordinates) of every chart; `%GROUP%` is replaced by a selector or null. */
const CHARTS = `((groupSelector) => {
  const groups = groupSelector ? [...document.querySelectorAll(groupSelector)] : [];
  const svgs = [...document.querySelectorAll("svg")].filter((s) => !s.parentElement?.closest("svg"));
  const imgs = [...document.querySelectorAll("img")].filter((i) => i.src.startsWith("data:image/svg+xml"));
  return [...svgs, ...imgs].map((e) => {
    const r = e.getBoundingClientRect();
    const holder = groupSelector ? e.closest(groupSelector) : null;
    return { kind: e.tagName.toLowerCase() === "img" ? "img" : "svg",
      x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height,
      group: holder ? groups.indexOf(holder) : -1 };
  });
})(%GROUP%)`;

/**
 * Share of pixels that are not near-white (some r, g or b below 250) inside
 * each box of a PNG data URL (boxes are clipped to the image); `%URL%` and
 * `%BOXES%` are replaced.
 */
const BOX_INK = `(async (src, boxes) => {
  const img = new Image();
  img.src = src;
  await img.decode();
  const c = document.createElement("canvas");
  c.width = img.naturalWidth;
  c.height = img.naturalHeight;
  const ctx = c.getContext("2d");
  ctx.drawImage(img, 0, 0);
  return boxes.map((b) => {
    const x = Math.max(0, Math.floor(b.x)), y = Math.max(0, Math.floor(b.y));
    const w = Math.min(c.width - x, Math.floor(b.width));
    const h = Math.min(c.height - y, Math.floor(b.height));
    if (w < 1 || h < 1) return 0;
    const d = ctx.getImageData(x, y, w, h).data;
    let ink = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250) ink++;
    }
    return ink / (d.length / 4);
  });
})(%URL%, %BOXES%)`;

/** Starts Chromium; gives its DevTools URL (once up) and a `close()` that stops it and never throws. */
function launch(profile: string) {
  const command = new Deno.Command(CHROMIUM, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--hide-scrollbars", // scrollbars of a tall page would count as ink
      `--user-data-dir=${profile}`,
      "--remote-debugging-port=0",
      "about:blank",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  });
  let child: Deno.ChildProcess;
  try {
    child = command.spawn();
  } catch (e) {
    throw new Error(`cannot start ${CHROMIUM} (apt-get install chromium)`, {
      cause: e,
    });
  }
  // Drain stderr all along (a full pipe would stall chromium); keep its tail for errors.
  const reader = child.stderr.getReader();
  let drained: Promise<void> = Promise.resolve();
  const wsUrl = new Promise<string>((resolve, reject) => {
    drained = (async () => {
      let log = "";
      const dec = new TextDecoder();
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        log = (log + dec.decode(r.value, { stream: true })).slice(-4000);
        const m = log.match(/DevTools listening on (ws:\/\/\S+)/);
        if (m) resolve(m[1]);
      }
      reject(new Error(`chromium exited before DevTools was up:\n${log}`));
    })().catch(() => {}); // read() rejects once close() cancels the reader
  });
  const close = async () => {
    const kill = (signal: Deno.Signal) => {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
    };
    kill("SIGTERM"); // exits cleanly within ~100 ms, taking its helpers along
    const hard = setTimeout(() => kill("SIGKILL"), 3000);
    await child.status;
    clearTimeout(hard);
    // Helper processes may hold the pipe a moment longer; don't wait for them.
    await reader.cancel().catch(() => {});
    await drained;
  };
  return { wsUrl, close };
}

/** A minimal Chrome DevTools Protocol client on one websocket. */
function connect(url: string) {
  const socket = new WebSocket(url);
  const closed = new Promise<void>((r) =>
    socket.addEventListener("close", () => r())
  );
  const opened = new Promise((resolve, reject) => {
    socket.addEventListener("open", resolve);
    socket.addEventListener(
      "error",
      () => reject(new Error("CDP socket error")),
    );
  });
  opened.catch(() => {}); // may be left unawaited on timeout
  const pending = new Map<number, [(v: Json) => void, (e: Error) => void]>();
  const listeners: ((method: string, params: Json) => void)[] = [];
  let nextId = 0;
  socket.addEventListener("message", (e) => {
    const msg = JSON.parse(e.data);
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.method) listeners.forEach((l) => l(msg.method, msg.params));
    else if (msg.error) p?.[1](new Error(`CDP: ${JSON.stringify(msg.error)}`));
    else p?.[0](msg.result);
  });
  closed.then(() =>
    pending.forEach(([, reject]) => reject(new Error("CDP socket closed")))
  );
  return {
    opened,
    closed,
    on: (l: (method: string, params: Json) => void) => listeners.push(l),
    send(method: string, params: Json = {}, sessionId?: string): Promise<Json> {
      const id = ++nextId;
      socket.send(JSON.stringify({ id, method, params, sessionId }));
      return new Promise((...settle) => pending.set(id, settle));
    },
    close: () => socket.readyState !== WebSocket.CLOSED && socket.close(),
  };
}

/** Turns CDP events into readable lines: console errors/asserts, exceptions, error log entries. */
function errorLine(method: string, p: Json): string | undefined {
  if (
    method === "Runtime.consoleAPICalled" &&
    (p.type === "error" || p.type === "assert")
  ) return `console.${p.type}: ${p.args.map(show).join(" ")}`;
  if (method === "Runtime.exceptionThrown") {
    const d = p.exceptionDetails;
    const where = d.url ? ` (${d.url}:${d.lineNumber + 1})` : "";
    return `uncaught: ${d.exception?.description ?? d.text + where}`;
  }
  if (method === "Log.entryAdded" && p.entry.level === "error") {
    const { source, text, url } = p.entry;
    return `${source}: ${text}${url ? ` ${url}` : ""}`;
  }
}

/**
 * Opens `path` (an HTML file, relative to the cwd or absolute) in a fresh
 * headless Chromium with a fixed viewport, waits for the load event and
 * reports what a test needs. Throws if the file cannot be loaded or the run
 * exceeds `timeoutMs`; Chromium is stopped and its profile removed either way.
 */
export async function inspectPage(
  path: string,
  options: InspectOptions = {},
): Promise<PageReport> {
  const { width = 1280, height = 2000, timeoutMs = 20_000, groupSelector } =
    options;
  const url = pathToFileURL(path).href;
  let stage = "launching chromium";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const msg = `timed out after ${timeoutMs} ms while ${stage}`;
      reject(new Error(`inspectPage(${path}): ${msg}`));
    }, timeoutMs);
  });
  timeout.catch(() => {}); // every step below races it
  const step = <T>(what: string, p: Promise<T>): Promise<T> => {
    stage = what;
    return Promise.race([p, timeout]);
  };

  const profile = await Deno.makeTempDir({ prefix: "inspect_page_" });
  let browser: ReturnType<typeof launch> | undefined;
  let cdp: ReturnType<typeof connect> | undefined;
  try {
    browser = launch(profile);
    cdp = connect(await step("waiting for DevTools", browser.wsUrl));
    await step("connecting to DevTools", cdp.opened);
    const { send: rawSend, on } = cdp;
    const consoleErrors: string[] = [];
    let loaded = () => {};
    const loadEvent = new Promise<void>((r) => loaded = r);
    on((method, params) => {
      if (method === "Page.loadEventFired") loaded();
      const line = errorLine(method, params);
      if (line) consoleErrors.push(line);
    });

    const toBrowser = (method: string, params?: Json) =>
      step(method, rawSend(method, params));
    const { targetId } = await toBrowser("Target.createTarget", {
      url: "about:blank",
    });
    const { sessionId } = await toBrowser("Target.attachToTarget", {
      targetId,
      flatten: true,
    });
    const send = (method: string, params?: Json) =>
      step(method, rawSend(method, params, sessionId));
    await send("Runtime.enable");
    await send("Log.enable");
    await send("Page.enable");
    await send("Emulation.setDeviceMetricsOverride", {
      width,
      height,
      deviceScaleFactor: 1,
      mobile: false,
    });
    const nav = await send("Page.navigate", { url });
    if (nav.errorText) {
      throw new Error(`inspectPage: cannot load ${url}: ${nav.errorText}`);
    }
    await step(`waiting for Page.loadEventFired of ${url}`, loadEvent);

    const evaluate = async (expression: string): Promise<Json> => {
      const r = await send("Runtime.evaluate", {
        expression,
        returnByValue: true,
        awaitPromise: true,
      });
      const e = r.exceptionDetails;
      const why = e && (e.exception?.description ?? e.text);
      if (e) throw new Error(`inspectPage: evaluation failed: ${why}`);
      return r.result.value;
    };
    const title: string = await evaluate("document.title");
    const svgs = await evaluate(SVGS);
    const { data } = await send("Page.captureScreenshot", { format: "png" });
    const dataUrl = JSON.stringify(`data:image/png;base64,${data}`);
    const whole = JSON.stringify([{ x: 0, y: 0, width: 1e9, height: 1e9 }]);
    const [inkRatio]: number[] = await evaluate(
      BOX_INK.replace("%URL%", dataUrl).replace("%BOXES%", whole),
    );
    const screenshot = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const boxes: Json[] = await evaluate(
      CHARTS.replace("%GROUP%", JSON.stringify(groupSelector ?? null)),
    );
    const charts: PageReport["charts"] = [];
    // A screenshot per chart, clipped to its box: one of a whole tall page
    // is cut at Chromium's texture limit and shows the charts below blank.
    for (const { kind, x, y, width, height, group } of boxes) {
      let ink = 0;
      if (width >= 1 && height >= 1) {
        const shot = await send("Page.captureScreenshot", {
          format: "png",
          clip: { x, y, width, height, scale: 1 },
          captureBeyondViewport: true,
        });
        const url = JSON.stringify(`data:image/png;base64,${shot.data}`);
        [ink] = await evaluate(
          BOX_INK.replace("%URL%", url).replace("%BOXES%", whole),
        );
      }
      charts.push({ kind, width, height, ink, group });
    }
    return { consoleErrors, svgs, charts, inkRatio, title, screenshot };
  } finally {
    clearTimeout(timer);
    cdp?.close();
    await browser?.close();
    await cdp?.closed; // settles at the latest when chromium's end drops
    await removeDir(profile);
  }
}

/** `Deno.remove(dir, {recursive: true})`, retried while a chromium helper still writes into it. */
async function removeDir(dir: string): Promise<void> {
  for (let i = 0;; i++) {
    try {
      return await Deno.remove(dir, { recursive: true });
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      if (i >= 20) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
