// Protects `npm run db:seed` against DATABASE_URL: refused (with the command to run first) on a database behind on migrations, then loads the demo data once however often it runs, and a Node server started on that database answers from it.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ControlledService, startPostgres } from "../../scripts/lab/lib/private-services.ts";
import { startServerProcess } from "../../scripts/lab/lib/server-process.ts";
import { toolCallsMessage } from "../support/vapi-messages.ts";

const run = promisify(execFile);
// A private Postgres: the demo data must not land in the database the other tests share.
let pg: ControlledService;

beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);

afterAll(async () => {
  await pg?.destroy();
});

const script = (name: string, env: Record<string, string> = {}) =>
  run(process.execPath, ["--import", "tsx", `scripts/cli/${name}.ts`], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", DATABASE_URL: pg.url, ...env },
  });

async function rowCounts(): Promise<string> {
  const { stdout } = await run("psql", [
    pg.url,
    "-Atc",
    "select (select count(*) from customers) || ' ' || (select count(*) from shipments) || ' ' || (select count(*) from invoices)",
  ]);
  return stdout.trim();
}

describe("npm run db:seed", () => {
  it("refuses a database behind on migrations, naming the command to run first", async () => {
    const failed = await script("seed").then(
      () => "seeded",
      (err: { code?: number; stderr?: string }) => `exit ${err.code}: ${err.stderr}`,
    );
    expect(failed).toMatch(
      /^exit 1: Seeding failed: the database needs \d+ migration\(s\) first \(0000_foundation, .*run `npm run db:migrate`/,
    );
  });

  it("refuses without DATABASE_URL: the embedded database is seeded by npm start", async () => {
    const failed = await run(process.execPath, ["--import", "tsx", "scripts/cli/seed.ts"], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
    }).then(
      () => "seeded",
      (err: { stderr?: string }) => err.stderr ?? "",
    );
    expect(failed).toContain("DATABASE_URL is not set");
  });

  it("loads the demo data once, however often it runs, and a Node server answers from it", async () => {
    await script("migrate");
    const first = await script("seed");
    expect(first.stdout).toMatch(/^Demo data is in \w+\.\n {2}callers: \+15550100001 \(Jordan Rivera\), \+15550100002 \(Sam Patel\)/);
    const counts = await rowCounts();
    expect(counts).toBe("2 6 4");
    await script("seed");
    expect(await rowCounts()).toBe(counts);

    const secret = "db-seed-test-secret-0123456789";
    const server = await startServerProcess({ PORT: "0", HOST: "127.0.0.1", DATABASE_URL: pg.url, VAPI_SECRET: secret, WARM_UP: "false" });
    try {
      const res = await fetch(`${server.base}/vapi/webhook`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-vapi-secret": secret },
        body: JSON.stringify(toolCallsMessage([{ id: "seeded", name: "get_shipment_status", args: { trackingNumber: "1ZDEMO0002" } }])),
      });
      const { results } = (await res.json()) as { results: { result?: string }[] };
      expect(JSON.parse(results[0]?.result ?? "null")).toMatchObject({ trackingNumber: "1ZDEMO0002", status: "in transit" });
    } finally {
      await server.stop();
    }
  });
});
