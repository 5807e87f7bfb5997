// Protects what a call record's fields become before Postgres sees them: no NUL, no lone surrogate, bounded lengths, bounded depth and size, whatever the input.
import { describe, expect, it } from "vitest";
import { MAX_STRUCTURED_DEPTH, MAX_STRUCTURED_VALUES, storableJson, storableText } from "../../src/services/calls/sanitize.ts";

describe("storableText", () => {
  it("drops NUL, replaces lone surrogates, keeps pairs", () => {
    expect(storableText("a\u0000b", 10)).toBe("ab");
    expect(storableText("x\ud800y\udc00z", 10)).toBe("x\ufffdy\ufffdz");
    expect(storableText("ok 😀", 10)).toBe("ok 😀");
  });

  it("cuts long text with a mark, never through a surrogate pair", () => {
    expect(storableText("a".repeat(50), 20)).toBe(`${"a".repeat(8)} [truncated]`);
    const cut = storableText(`${"a".repeat(7)}😀${"b".repeat(40)}`, 20);
    expect(cut).toHaveLength(20);
    expect(cut).toBe(`${"a".repeat(7)}\ufffd [truncated]`);
  });
});

describe("storableJson", () => {
  it("cuts nesting at the depth limit, however deep the input", () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 50_000; i++) deep = { a: deep };
    const kept = storableJson(deep);
    let depth = 0;
    let level: unknown = kept;
    while (level && typeof level === "object") {
      level = (level as { a: unknown }).a;
      depth++;
    }
    expect(depth).toBe(MAX_STRUCTURED_DEPTH);
    expect(level).toBeNull();
    expect(() => JSON.stringify(kept)).not.toThrow();
  });

  it("keeps at most MAX_STRUCTURED_VALUES values and cleans keys and strings", () => {
    const wide = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]));
    expect(Object.keys(storableJson(wide)).length).toBeLessThan(MAX_STRUCTURED_VALUES);
    expect(storableJson({ "a\u0000": ["x\ud800", 1, null, true] })).toEqual({ a: ["x\ufffd", 1, null, true] });
  });

  it('keeps a "__proto__" key as data', () => {
    const kept = storableJson(JSON.parse('{"__proto__":{"polluted":true}}') as Record<string, unknown>);
    expect(Object.keys(kept)).toEqual(["__proto__"]);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
