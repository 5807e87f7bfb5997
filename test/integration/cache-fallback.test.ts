// Protects the rule that the cache is only an accelerator: with Redis down or hanging, every business tool still answers from Postgres and writes still commit.
import { createServer as createTcpServer, type Socket } from "node:net";
import { describe, expect, it, onTestFinished } from "vitest";
import { createRedisCache } from "../../src/cache/redis-cache.ts";
import { callTool, givenAccount, givenShipment, givenSlots, uniquePhone } from "../support/business.ts";
import { createTestApp } from "../support/harness.ts";

/** A TCP port where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A server that accepts connections and never answers: a hung Redis. */
async function silentServer(): Promise<number> {
  const sockets: Socket[] = [];
  const server = createTcpServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as { port: number }).port;
}

describe.each([
  ["down", closedPort],
  ["hanging", silentServer],
])("with Redis %s", (_label, port) => {
  it("every business tool answers from Postgres, and writes still commit", async () => {
    const cache = createRedisCache({
      url: `redis://127.0.0.1:${await port()}`,
      commandTimeoutMs: 50,
      redisOptions: { connectTimeout: 200 },
    });
    onTestFinished(() => cache.close());
    const t = await createTestApp({ cache, env: { TOOL_BUDGET_MS: "3000" } });
    const caller = uniquePhone();
    const tn = await givenShipment(t, { customerPhone: caller, currentLocation: "Austin, TX" });
    const { serviceName, slotIds } = await givenSlots(t, [300, 301]);
    await givenAccount(t, caller, [{ amountCents: 1_000, dueDate: "2099-01-01" }]);

    expect((await callTool(t, "get_shipment_status", { trackingNumber: tn })).data!.location).toBe("Austin, TX");
    expect((await callTool(t, "get_shipment_status", {}, { caller })).data!.shipments).toHaveLength(1);
    expect((await callTool(t, "get_account_balance", {}, { caller })).data!.balance).toBe("$10.00");
    expect((await callTool(t, "check_availability", { service: serviceName })).data!.slots).toHaveLength(2);
    expect((await callTool(t, "book_appointment", { slotId: slotIds[0], customerName: "Max" }, { caller })).data!.booked).toBe(true);
    expect((await callTool(t, "check_availability", { service: serviceName })).data!.slots).toHaveLength(1);
    expect((await callTool(t, "send_payment_link", {}, { caller })).data!.sent).toBe(true);
    // The lookups above skip the cache without asking it: their generations have pending bumps
    // (every write failed to invalidate). A caller nothing was written about asks it first.
    expect((await callTool(t, "get_shipment_status", {}, { caller: uniquePhone() })).error).toMatch(/./);

    const logged = t.logs.map((l) => JSON.parse(l) as { msg: string });
    expect(logged.some((l) => l.msg === "cache read failed; using the database")).toBe(true);
    expect(logged.some((l) => l.msg === "cache invalidation failed")).toBe(true);
  });
});
