/**
 * A real HTTP/1.1 static file server on 127.0.0.1 for the downloader tests:
 * the URL path is the file path under `root`, missing files answer 404.
 * Written directly on `Deno.listen` so a test controls every byte: faults
 * per URL path answer an error status, replace the body, cut the
 * connection mid-body or stall it; counters record the requests per path
 * and the most requests in flight at once. Every response carries
 * `Connection: close`, so each request is its own connection and closing
 * the server closes every connection (hung ones included), which keeps
 * Deno's resource and op sanitizers quiet. Also {@linkcode walk}, to list
 * what a download left on disk.
 *
 * @module
 */
import { join, relative } from "node:path";

/** What the server does instead of serving a path normally. */
export type Fault =
  /** Answer this status with an empty body. */
  | { status: number; times?: number }
  /** Send the headers (full Content-Length) and `n` bytes, then close. */
  | { dropAfterBytes: number; times?: number }
  /** Send the headers (full Content-Length) and `n` bytes, then hang. */
  | { stallAfterBytes: number; times?: number }
  /** Serve these bytes instead of the file (which need not exist). */
  | { body: Uint8Array; times?: number };

/** A running {@linkcode startDumpServer}. */
export interface DumpServer extends AsyncDisposable {
  /** Base address, e.g. `http://127.0.0.1:40123` (no trailing slash). */
  readonly url: string;
  /** The directory served. */
  readonly root: string;
  /** Requests received per URL path. */
  readonly requests: Map<string, number>;
  /** Most requests in flight at once (received and not yet answered). */
  readonly maxParallel: number;
  /** Requests in flight now. */
  readonly inFlight: number;
  /** Holds each response this long before its first byte. @default 0 */
  delayMs: number;
  /** Requests received for `path` (0 when none). */
  count(path: string): number;
  /** Requests received in all. */
  total(): number;
  /** Resets the counters (requests and maxParallel). */
  reset(): void;
  /**
   * Applies `fault` to the next `fault.times` requests for `path` (every
   * request when `times` is absent); replaces any fault set before.
   */
  fault(path: string, fault: Fault): void;
  /** Removes every fault. */
  clearFaults(): void;
  /** Resolves once a stall fault on `path` has sent its bytes and hangs. */
  stalled(path: string): Promise<void>;
  /** Stops listening and closes every connection, hung ones too. */
  close(): Promise<void>;
}

const encoder = new TextEncoder();
const REASONS: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  410: "Gone",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let o = 0; o < bytes.length;) o += await conn.write(bytes.subarray(o));
}

/** Reads the request head (up to the blank line); null if the peer left. */
async function readHead(conn: Deno.Conn): Promise<string | null> {
  const buffer = new Uint8Array(64 * 1024);
  let filled = 0;
  while (filled < buffer.length) {
    const n = await conn.read(buffer.subarray(filled));
    if (n === null) return null;
    filled += n;
    const text = new TextDecoder().decode(buffer.subarray(0, filled));
    const end = text.indexOf("\r\n\r\n");
    if (end >= 0) return text.slice(0, end);
  }
  return null;
}

function head(status: number, length: number): Uint8Array {
  return encoder.encode(
    `HTTP/1.1 ${status} ${REASONS[status] ?? "Status"}\r\n` +
      `Content-Length: ${length}\r\n` +
      "Content-Type: application/octet-stream\r\n" +
      "Connection: close\r\n\r\n",
  );
}

/**
 * Starts a {@linkcode DumpServer} over `root` on 127.0.0.1, on a free port.
 *
 * @example
 * ```ts ignore
 * await using server = await startDumpServer("/tmp/tree");
 * server.fault("/a.zip", { status: 500, times: 1 });
 * await fetch(`${server.url}/a.zip`); // 500, then the file
 * ```
 */
export function startDumpServer(root: string): Promise<DumpServer> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  const rootDir = root.replace(/\/+$/, "");
  const requests = new Map<string, number>();
  const faults = new Map<string, { fault: Fault; left: number }>();
  const stallWaiters = new Map<string, PromiseWithResolvers<void>>();
  const conns = new Set<Deno.Conn>();
  const handlers = new Set<Promise<void>>();
  const closing = Promise.withResolvers<void>();
  const timers = new Set<() => void>();
  let closed = false;
  let inFlight = 0;
  let maxParallel = 0;

  const stallWaiter = (path: string) => {
    let waiter = stallWaiters.get(path);
    if (!waiter) {
      waiter = Promise.withResolvers<void>();
      stallWaiters.set(path, waiter);
    }
    return waiter;
  };

  /** Waits `ms`, or less if the server closes. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        timers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timers.add(done);
    });

  const takeFault = (path: string): Fault | undefined => {
    const entry = faults.get(path);
    if (!entry || entry.left <= 0) return undefined;
    entry.left--;
    return entry.fault;
  };

  const readFile = async (path: string): Promise<Uint8Array | null> => {
    try {
      const file = `${rootDir}${path}`;
      if (!(await Deno.stat(file)).isFile) return null;
      return await Deno.readFile(file);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
  };

  const respond = async (conn: Deno.Conn) => {
    const request = await readHead(conn);
    if (request === null || closed) return;
    const [method, target] = request.split("\r\n")[0].split(" ");
    let path: string;
    try {
      path = decodeURIComponent(new URL(target, "http://x").pathname);
    } catch {
      return await writeAll(conn, head(400, 0));
    }
    requests.set(path, (requests.get(path) ?? 0) + 1);
    inFlight++;
    maxParallel = Math.max(maxParallel, inFlight);
    try {
      if (server.delayMs > 0) await pause(server.delayMs);
      if (closed) return;
      if (method !== "GET") return await writeAll(conn, head(405, 0));
      if (path.split("/").includes("..")) {
        return await writeAll(conn, head(403, 0));
      }
      const fault = takeFault(path);
      if (fault && "status" in fault) {
        return await writeAll(conn, head(fault.status, 0));
      }
      const body = fault && "body" in fault ? fault.body : await readFile(path);
      if (body === null) return await writeAll(conn, head(404, 0));
      await writeAll(conn, head(200, body.length));
      if (fault && "dropAfterBytes" in fault) {
        await writeAll(conn, body.subarray(0, fault.dropAfterBytes));
        return; // the finally below closes the connection mid-body
      }
      if (fault && "stallAfterBytes" in fault) {
        await writeAll(conn, body.subarray(0, fault.stallAfterBytes));
        stallWaiter(path).resolve();
        await closing.promise; // hang until the server closes
        return;
      }
      await writeAll(conn, body);
    } finally {
      inFlight--;
    }
  };

  const handle = async (conn: Deno.Conn) => {
    conns.add(conn);
    try {
      await respond(conn);
    } catch {
      // the client went away (reset, broken pipe): nothing to do
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch {
        // already closed by close()
      }
    }
  };

  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        if (closed) {
          conn.close();
          continue;
        }
        const handler = handle(conn);
        handlers.add(handler);
        handler.finally(() => handlers.delete(handler));
      }
    } catch {
      // the listener was closed
    }
  })();

  const server: DumpServer = {
    url: `http://127.0.0.1:${port}`,
    root: rootDir,
    requests,
    get maxParallel() {
      return maxParallel;
    },
    get inFlight() {
      return inFlight;
    },
    delayMs: 0,
    count: (path) => requests.get(path) ?? 0,
    total: () => [...requests.values()].reduce((a, b) => a + b, 0),
    reset() {
      requests.clear();
      maxParallel = inFlight;
    },
    fault(path, fault) {
      faults.set(path, { fault, left: fault.times ?? Infinity });
    },
    clearFaults: () => faults.clear(),
    stalled: (path) => stallWaiter(path).promise,
    async close() {
      if (closed) return;
      closed = true;
      listener.close();
      closing.resolve();
      for (const done of [...timers]) done();
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // closed meanwhile
        }
      }
      await accepting;
      await Promise.all([...handlers]);
    },
    [Symbol.asyncDispose]() {
      return server.close();
    },
  };
  return Promise.resolve(server);
}

/** Every file and directory under `dir`, relative, sorted; dirs end in `/`. */
export async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (path: string) => {
    for await (const entry of Deno.readDir(path)) {
      const full = join(path, entry.name);
      if (entry.isDirectory) {
        out.push(`${relative(dir, full)}/`);
        await visit(full);
      } else out.push(relative(dir, full));
    }
  };
  await visit(dir);
  return out.sort();
}
