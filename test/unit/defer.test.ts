// Protects deferred work: it never throws at the caller, failures are logged, settling waits for all of it (work deferred meanwhile included), and work past its budget is waited for at most a bounded time.
import { afterEach, describe, expect, it, vi } from "vitest";
import { boundedBy, createBackgroundTasks, DEFERRED_WORK_LIMIT_MS } from "../../src/lib/defer.ts";
import { createLogger } from "../../src/lib/logger.ts";

describe("background tasks", () => {
  it("logs a failure instead of rejecting, and settles only when all work is done", async () => {
    const lines: string[] = [];
    const tasks = createBackgroundTasks(createLogger({ sink: (line) => lines.push(line) }));
    let release!: () => void;
    let finished = false;
    tasks.defer(
      new Promise<void>((resolve) => (release = resolve)).then(() => {
        finished = true;
      }),
    );
    tasks.defer(Promise.reject(new Error("refresh exploded")), "cache refresh");
    const settled = tasks.settled();
    release();
    await settled;
    expect(finished).toBe(true);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({
        level: "error",
        msg: "cache refresh failed",
        err: expect.objectContaining({ message: "refresh exploded" }),
      }),
    ]);
  });
});

describe("settling", () => {
  it("waits for work deferred by deferred work", async () => {
    const tasks = createBackgroundTasks(createLogger({ sink: () => {} }));
    const done: string[] = [];
    tasks.defer(
      Promise.resolve().then(() => {
        tasks.defer(Promise.resolve().then(() => done.push("fill")));
        done.push("lookup");
      }),
    );
    await tasks.settled();
    expect(done).toEqual(["lookup", "fill"]);
  });
});

describe("boundedBy", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("settles with the work when it finishes in time", async () => {
    await expect(boundedBy(Promise.resolve("filled"))).resolves.toBe("filled");
    await expect(boundedBy(Promise.reject(new Error("lost")))).rejects.toThrow("lost");
  });

  it("stops waiting for work still running at the limit, with a reason the log can show", async () => {
    vi.useFakeTimers();
    const bounded = boundedBy(new Promise(() => {}));
    const outcome = bounded.then(
      () => "resolved",
      (err: Error) => err.message,
    );
    await vi.advanceTimersByTimeAsync(DEFERRED_WORK_LIMIT_MS);
    expect(await outcome).toBe(`still running after ${DEFERRED_WORK_LIMIT_MS} ms; no longer waited for`);
  });
});
