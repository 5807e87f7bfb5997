// Protects the Worker's environment: every binding and var wrangler.toml gives (typed by `wrangler types` in worker-configuration.d.ts) is one Switchboard reads, so a misspelt var fails the typecheck and this test instead of being silently ignored.
import { describe, expect, expectTypeOf, it } from "vitest";
import { type Config, configSchema } from "../../src/config.ts";
import { testEnv } from "./support.ts";

describe("the Worker's environment", () => {
  it("holds only config variables besides the Hyperdrive binding (types from wrangler.toml)", () => {
    expectTypeOf<Exclude<keyof Env, keyof Config | "HYPERDRIVE">>().toBeNever();
    expectTypeOf<Env["HYPERDRIVE"]>().toEqualTypeOf<Hyperdrive>();
  });

  it("holds only config variables at run time too (wrangler.toml's vars and the test's bindings)", () => {
    const known = new Set(Object.keys(configSchema.shape));
    // The pool adds bindings of its own (__VITEST_POOL_WORKERS_*), which production never has.
    const unknown = Object.keys(testEnv).filter((name) => name !== "HYPERDRIVE" && !name.startsWith("__VITEST_POOL_") && !known.has(name));
    expect(unknown).toEqual([]);
    expect(Object.keys(testEnv)).toEqual(expect.arrayContaining(["BUSINESS_NAME", "TOOL_BUDGET_MS", "VAPI_SECRET"]));
  });
});
