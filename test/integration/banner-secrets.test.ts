// Protects configured secrets from the start-up banner: `npm start` with VAPI_SECRET and PAYMENT_LINK_SECRET set prints neither, and its demo curl line reads the secret from the shell.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type ServerProcess, startServerProcess } from "../../scripts/lab/lib/server-process.ts";
import { scanLogLines } from "../support/log-scan.ts";

const VAPI_SECRET = "configured-vapi-secret-0123456789";
const PAYMENT_LINK_SECRET = "configured-link-secret-9876543210";
let server: ServerProcess;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "switchboard-banner-"));
  // The run's database (migrated), seeded with the demo data so the banner shows its curl line.
  server = await startServerProcess(
    {
      PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      DATABASE_URL: inject("databaseUrl"),
      DATABASE_POOL_MAX: inject("databaseKind") === "embedded" ? "1" : "2",
      DEMO_DATA: "on",
      WARM_UP: "false",
      VAPI_SECRET,
      PAYMENT_LINK_SECRET,
    },
    90_000,
  );
}, 90_000);

afterAll(async () => {
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("the banner with configured secrets", () => {
  it("prints neither secret, and says where the Vapi secret comes from", () => {
    const banner = server.output.join("\n");
    expect(banner).toContain("Secret:        the value of VAPI_SECRET (not printed)");
    // The demo callers' numbers are printed on purpose; secrets (and card numbers) never.
    const findings = scanLogLines(server.output, [VAPI_SECRET, PAYMENT_LINK_SECRET]);
    expect(findings.filter((f) => !f.what.startsWith("unmasked phone number"))).toEqual([]);
    expect(banner).not.toContain(VAPI_SECRET.slice(0, 12));
    expect(banner).not.toContain("payment-link-secret");
  });

  it("prints a demo curl line that works with the secret in the shell's VAPI_SECRET", () => {
    const curl = server.output.find((l) => l.trimStart().startsWith("curl "))!;
    expect(curl).toContain(`"x-vapi-secret: $VAPI_SECRET"`);
    const answer = JSON.parse(
      execFileSync("sh", ["-c", curl.trim().replace("localhost", "127.0.0.1")], {
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "", VAPI_SECRET },
      }),
    );
    expect(answer.results[0]).toMatchObject({ toolCallId: "demo-1", name: "get_shipment_status" });
  });
});
