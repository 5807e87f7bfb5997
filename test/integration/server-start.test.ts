// Protects the first of the two commands: `npm start` with nothing configured serves a signed tool call end to end.
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProductionBundle, type ServerProcess, startServerProcess } from "../../scripts/lab/lib/server-process.ts";
import { signHmac } from "../../src/vapi/auth.ts";
import { toolCallsMessage } from "../support/vapi-messages.ts";

const HMAC_SECRET = "e2e-hmac-secret-0123456789";
let server: ServerProcess;
let dataDir: string;
let base: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "switchboard-start-"));
  // The embedded defaults: no DATABASE_URL, no REDIS_URL, no VAPI_SECRET.
  server = await startServerProcess({ PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, VAPI_HMAC_SECRET: HMAC_SECRET }, 90_000);
  base = server.base;
}, 90_000);

afterAll(async () => {
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("npm start on the embedded defaults", () => {
  it("prints what to paste into Vapi: the server URL and a generated secret", async () => {
    const secret = (await readFile(join(dataDir, "vapi-secret"), "utf8")).trim();
    const banner = server.output.join("\n");
    expect(secret.length).toBeGreaterThanOrEqual(16);
    expect(banner).toContain("/vapi/webhook");
    expect(banner).toContain(`Secret:        ${secret}`);
    expect(banner).toMatch(/embedded Postgres/);
    expect(banner).toContain("transfers: not configured (set TRANSFER_NUMBER)");
  });

  it("reports ready with the embedded backends", async () => {
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: "ready",
      database: { backend: "embedded", ok: true },
      cache: { backend: "memory", ok: true },
      transfers: { configured: false, detail: "Transfers are not configured: set TRANSFER_NUMBER or a handoff rule destination." },
    });
  });

  it("serves an HMAC-signed tool call", async () => {
    const body = JSON.stringify(toolCallsMessage([{ id: "e2e_1", name: "get_business_hours", args: { day: "Monday" } }]));
    const timestamp = String(Date.now());
    const signature = await signHmac(
      { secret: HMAC_SECRET, algorithm: "sha256", encoding: "hex", prefix: "" },
      timestamp,
      new TextEncoder().encode(body),
    );
    const res = await fetch(`${base}/vapi/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-signature": signature, "x-timestamp": timestamp },
      body,
    });
    expect(res.status).toBe(200);
    const json = (await res.json()) as { results: { toolCallId: string; result: string }[] };
    expect(json.results[0]?.toolCallId).toBe("e2e_1");
    expect(JSON.parse(json.results[0]!.result)).toMatchObject({ day: "Monday", hours: "8 AM to 6 PM" });
  });

  it("serves a tool call authenticated with the printed secret, and refuses one without", async () => {
    const secret = (await readFile(join(dataDir, "vapi-secret"), "utf8")).trim();
    const body = JSON.stringify(toolCallsMessage([{ id: "e2e_2", name: "get_business_hours" }]));
    const ok = await fetch(`${base}/vapi/webhook`, { method: "POST", headers: { "x-vapi-secret": secret }, body });
    expect(ok.status).toBe(200);
    const refused = await fetch(`${base}/vapi/webhook`, { method: "POST", body });
    expect(refused.status).toBe(401);
  });
});

describe("what npm start prints", () => {
  it("names each start-up step as it happens, before the banner", () => {
    const lines = server.output.join("\n").split("\n");
    const at = (text: string) => lines.findIndex((l) => l.includes(text));
    expect(lines[0]).toBe("Starting Switchboard");
    expect(at("- starting the embedded Postgres")).toBeGreaterThan(0);
    expect(at("first start: creating it")).toBeGreaterThan(0);
    expect(at("- applying migrations")).toBeGreaterThan(at("- starting the embedded Postgres"));
    expect(at("- seeding the demo data")).toBeGreaterThan(at("- applying migrations"));
    expect(at("Switchboard listening on")).toBeGreaterThan(at("- seeding the demo data"));
    expect(lines.filter((l) => /^ {4}done.*\(\d+\.\d s\)$/.test(l)).length).toBeGreaterThanOrEqual(4);
  });

  it("prints each generated secret once, with where it is kept, and a curl line that reads the secret from there", async () => {
    const banner = server.output.join("\n");
    const secret = (await readFile(join(dataDir, "vapi-secret"), "utf8")).trim();
    const linkSecret = (await readFile(join(dataDir, "payment-link-secret"), "utf8")).trim();
    expect(banner.split(secret)).toHaveLength(2);
    expect(banner).toContain(`kept in ${join(dataDir, "vapi-secret")}`);
    expect(banner.split(linkSecret)).toHaveLength(2);
    expect(banner).toContain(`kept in ${join(dataDir, "payment-link-secret")}`);
    const curl = server.output.find((l) => l.trimStart().startsWith("curl "))!;
    expect(curl).toContain(`"x-vapi-secret: $(cat ${join(dataDir, "vapi-secret")})"`);
    const answer = JSON.parse(execFileSync("sh", ["-c", curl.trim().replace("localhost", "127.0.0.1")], { encoding: "utf8" }));
    expect(answer.results[0]).toMatchObject({ toolCallId: "demo-1", name: "get_shipment_status" });
  });

  it("offers both demo callers", () => {
    const banner = server.output.join("\n");
    expect(banner).toContain("+15550100001 (Jordan Rivera)");
    expect(banner).toContain("+15550100002 (Sam Patel)");
  });
});

describe("start-up failures", () => {
  it("refuses a second server on the same data directory, naming the process that holds it", async () => {
    const failed = await startServerProcess({ PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir }).then(
      () => "started",
      (err: Error) => err.message,
    );
    expect(failed).toContain("server exited with 1");
    expect(failed).toContain(`Another Switchboard (process ${server.child.pid}) is using the embedded database`);
    expect(failed).not.toMatch(/RuntimeError|Aborted\(\)|\n\s+at /);
  });

  it("refuses the production build on the embedded database unless asked for explicitly", async () => {
    buildProductionBundle();
    const failed = await startServerProcess({ PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir }, 30_000, "bundle").then(
      () => "started",
      (err: Error) => err.message,
    );
    expect(failed).toContain("npm run start:prod needs DATABASE_URL");
    expect(failed).toContain("ALLOW_EMBEDDED_DATABASE=true");
  }, 60_000);

  it("names a busy port before it starts the database", async () => {
    const port = new URL(base).port;
    const otherDir = await mkdtemp(join(tmpdir(), "switchboard-port-"));
    try {
      const failed = await startServerProcess({ PORT: port, HOST: "127.0.0.1", DATA_DIR: otherDir }).then(
        () => "started",
        (err: Error) => err.message,
      );
      expect(failed).toContain(`Port ${port} is already in use`);
      expect(failed).toContain(`PORT=${Number(port) + 1} npm start`);
      expect(failed).not.toContain("starting the embedded Postgres");
      expect(failed).not.toMatch(/EADDRINUSE|\n\s+at /);
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it("stops with a message naming the bad variable", async () => {
    const failed = await startServerProcess({ PORT: "not-a-port", DATA_DIR: dataDir }).then(
      () => "started",
      (err: Error) => err.message,
    );
    expect(failed).toContain("server exited with 1");
    expect(failed).toContain("PORT:");
  });
});

// Last in the file: it stops the server the tests above share.
describe("stopping", () => {
  it("answers a request in flight before it exits on SIGTERM (a deploy drops no tool call)", async () => {
    const secret = (await readFile(join(dataDir, "vapi-secret"), "utf8")).trim();
    const body = JSON.stringify(toolCallsMessage([{ id: "e2e_stop", name: "get_business_hours" }]));
    const socket = connect(Number(new URL(base).port), "127.0.0.1");
    await once(socket, "connect");
    let received = "";
    socket.on("data", (d: Buffer) => {
      received += d.toString();
    });
    const closed = once(socket, "close");
    // Expect: 100-continue: the server says when it has the request's headers, so the request is in flight.
    socket.write(
      `POST /vapi/webhook HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nx-vapi-secret: ${secret}\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nexpect: 100-continue\r\nconnection: close\r\n\r\n`,
    );
    while (!received.includes("100 Continue")) await once(socket, "data");
    const exited = once(server.child, "exit");
    server.child.kill("SIGTERM");
    socket.end(body);
    await closed;
    expect(received).toMatch(/HTTP\/1\.1 200 OK/);
    expect(received).toContain('"toolCallId":"e2e_stop"');
    const [code] = await exited;
    expect(code).toBe(0);
  });
});
