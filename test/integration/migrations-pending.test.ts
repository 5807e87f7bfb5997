// Protects what an operator sees when the schema is behind: the server refuses to start (naming the migrations and the command), and db:migrate says what it applied.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ControlledService, startPostgres } from "../../scripts/lab/lib/private-services.ts";
import { startServerProcess } from "../../scripts/lab/lib/server-process.ts";

const run = promisify(execFile);
// A private, empty Postgres: the same in the run against the shared services and on the embedded defaults.
let pg: ControlledService;
let emptyUrl = "";

beforeAll(async () => {
  pg = await startPostgres();
  emptyUrl = pg.url;
}, 60_000);

afterAll(async () => {
  await pg?.destroy();
});

const migrate = () =>
  run(process.execPath, ["--import", "tsx", "scripts/cli/migrate.ts"], { env: { ...process.env, DATABASE_URL: emptyUrl } }).then(
    (r) => r.stdout,
  );

describe("a database that was never migrated", () => {
  it("is refused at start with the pending migrations and the command that applies them", async () => {
    const failed = await startServerProcess({
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: emptyUrl,
      VAPI_SECRET: "a-secret-of-sixteen-chars",
    }).then(
      () => "started",
      (err: Error) => err.message,
    );
    expect(failed).toContain("server exited with 1");
    expect(failed).toMatch(/needs \d+ migration\(s\) before Switchboard can serve \(0000_foundation, /);
    expect(failed).toContain("npm run db:migrate");
    expect(failed).not.toContain("Failed query");
  });

  it("is migrated by db:migrate, which then says the schema is current", async () => {
    expect(await migrate()).toMatch(/^Applied \d+ migration\(s\): 0000_foundation, /);
    expect(await migrate()).toMatch(/^The schema is current: nothing to apply \(\d+ migrations applied earlier, newest \d{4}_/);
  });
});
