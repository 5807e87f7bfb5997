// Protects Node's defer: background work never throws at the caller, failures are logged, and shutdown waits for it.
import { describe, expect, it } from "vitest";
import { createBackgroundTasks } from "../../src/lib/defer.ts";
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
