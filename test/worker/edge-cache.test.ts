// Protects the first-level cache rules inside workerd: only reads that opt in are answered from isolate memory, and only for their TTL.
import { describe, expect, it } from "vitest";
import { toolCallsMessage } from "../support/vapi-messages.ts";
import { webhook, withRedis } from "./support.ts";

/** Writes to the shared Redis behind the Worker's back, as another isolate would. */
function writeElsewhere(key: string, value: string) {
  return withRedis((redis) => redis.set(key, value, 60_000));
}

async function read(key: string, localTtlMs?: number): Promise<unknown> {
  const args = localTtlMs ? { key, localTtlMs } : { key };
  const { json } = await webhook(toolCallsMessage([{ name: "read_setting", args }]));
  return JSON.parse(json.results?.[0]?.result ?? "null").value;
}

describe("first-level cache", () => {
  it("serves an opted-in read from isolate memory until its TTL, while plain reads always see the shared value", async () => {
    const key = `setting:${crypto.randomUUID()}`;
    await writeElsewhere(key, "v1");
    expect(await read(key, 60_000)).toBe("v1");

    await writeElsewhere(key, "v2");
    // Another isolate's write: the opted-in read may lag by up to its TTL, the plain one may not.
    expect(await read(key, 60_000)).toBe("v1");
    expect(await read(key)).toBe("v2");
    // A read allowing less staleness than the entry's age goes back to Redis.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await read(key, 1)).toBe("v2");
  });
});
