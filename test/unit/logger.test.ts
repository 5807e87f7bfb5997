// Protects log redaction: no card number, secret or full caller number reaches a log line.
import { describe, expect, it } from "vitest";
import { createLogger, maskPhone, redactText } from "../../src/lib/logger.ts";

describe("redaction", () => {
  it("removes card-like digit runs in any common spacing", () => {
    for (const card of ["4242424242424242", "4242 4242 4242 4242", "4242-4242-4242-4242", "378282246310005"]) {
      expect(redactText(`my card is ${card} ok`)).toBe("my card is [redacted-digits] ok");
    }
  });

  it("masks phone numbers to their last four digits", () => {
    expect(maskPhone("call +15551234567 now")).toBe("call +*******4567 now");
  });

  it("scrubs configured secrets and sensitive keys, at any depth", () => {
    const lines: string[] = [];
    const log = createLogger({ sink: (l) => lines.push(l), secrets: ["s3cr3t-value"] });
    log.info("auth with s3cr3t-value", { nested: { authorization: "Bearer x", list: ["s3cr3t-value", "+15551234567"] }, apiKey: "k" });
    const line = JSON.parse(lines[0]!);
    expect(line.msg).toBe("auth with [redacted]");
    expect(line.nested.authorization).toBe("[redacted]");
    expect(line.nested.list).toEqual(["[redacted]", "+*******4567"]);
    expect(line.apiKey).toBe("[redacted]");
  });

  it("serializes errors with their message and respects the level", () => {
    const lines: string[] = [];
    const log = createLogger({ level: "warn", sink: (l) => lines.push(l) }).child({ callId: "c1" });
    log.info("dropped");
    log.error("failed", { err: new Error("boom 4111111111111111") });
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ level: "error", msg: "failed", callId: "c1", err: { name: "Error", message: "boom [redacted-digits]" } });
  });
});
