// Protects invalidation across Redis faults on a private Redis: a booking whose invalidation failed (Redis out of reach) is never offered again once Redis answers, on any instance; Redis coming back with older data (a failover) invalidates everything; and on Workers' per-request clients an invalidation is not lost to a slow or cold connection (the Worker's own code, run on Node).
import { randomUUID } from "node:crypto";
import { connect, createServer, type Server, type Socket } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ControlledService, freePort, startRedis } from "../../scripts/lab/lib/private-services.ts";
import type { Cache, PendingBumps } from "../../src/cache/cache.ts";
import { genKeys, MIRRORED_PREFIXES } from "../../src/cache/keys.ts";
import { createMirroredCache } from "../../src/cache/mirrored-cache.ts";
import { createRedisCache, createRequestRedisCache, waitForRedis } from "../../src/cache/redis-cache.ts";
import type { Env } from "../../src/config.ts";
import { silentLogger } from "../../src/lib/logger.ts";
import { createBusinessServices } from "../../src/runtime/business-services.ts";
import { createWorker } from "../../src/runtime/create-worker.ts";
import { discoverTools } from "../../src/tools/discover.ts";
import { callTool, givenSlots, uniquePhone } from "../support/business.ts";
import { createTestApp, TEST_SECRET, type TestApp, type ToolAnswer } from "../support/harness.ts";
import { startPrivatePostgres } from "../support/private-stack.ts";
import { toolCallsMessage } from "../support/vapi-messages.ts";

// Private Redis (paused, cut off, its clients killed) and Postgres (the Worker opens a pool per
// request, more connections than the embedded database serves).
let redis: ControlledService;
let pg: Awaited<ReturnType<typeof startPrivatePostgres>>;
let inspect: Redis;
const closers: (() => Promise<void>)[] = [];

/**
 * A TCP relay to the private Redis that a test can cut (every connection dropped, new ones
 * refused) and restore: a network partition, with Redis and its data intact on the other side.
 */
async function partition() {
  const target = new URL(redis.url);
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(Number(target.port), target.hostname);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        for (const end of [client, upstream]) {
          sockets.add(end);
          end.on("error", drop);
          end.on("close", drop);
        }
        client.pipe(upstream).pipe(client);
      });
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => resolve());
      server = s;
    });
  const cut = async () => {
    const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await closed;
    server = undefined;
  };
  await listen();
  closers.push(cut);
  return { url: `redis://127.0.0.1:${port}`, cut, restore: listen };
}

beforeAll(async () => {
  [redis, pg] = await Promise.all([startRedis(), startPrivatePostgres()]);
  inspect = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: (n) => Math.min(50 * n, 500) });
  inspect.on("error", () => {});
  await inspect.connect();
}, 60_000);

afterAll(async () => {
  for (const close of closers) await close().catch(() => {});
  inspect?.disconnect();
  await redis?.destroy();
  await pg?.destroy();
}, 60_000);

/** One Node server as production builds it: the fail-fast Redis cache behind the coherent mirror. */
async function nodeInstance(prefix: string, url = redis.url): Promise<TestApp & { pending: PendingBumps }> {
  const raw = createRedisCache({ url, keyPrefix: prefix, commandTimeoutMs: 50 });
  let activated!: () => void;
  const active = new Promise<void>((r) => (activated = r));
  const cache = createMirroredCache(raw, {
    prefixes: MIRRORED_PREFIXES,
    keyPrefix: prefix,
    logger: silentLogger,
    onStateChange: (on) => on && activated(),
  });
  closers.push(() => cache.close());
  await waitForRedis(raw.client);
  await active;
  const app = await createTestApp({
    cache,
    db: pg.database.db,
    env: { TOOL_BUDGET_MS: "3000", SIDE_EFFECT_LIMIT_PER_MINUTE: "0", LOG_LEVEL: "warn" },
  });
  return Object.assign(app, { pending: raw.pendingBumps });
}

const offered = async (t: TestApp, service: string) =>
  ((await callTool(t, "check_availability", { service })).data!.slots as { slotId: string }[]).map((s) => s.slotId);

describe("a booking while Redis is out of reach (Node, two instances)", () => {
  it("is never offered again once Redis answers: not by the instance that booked, nor by another", async () => {
    const prefix = `sb${randomUUID().slice(0, 8)}:`;
    const link = await partition();
    const a = await nodeInstance(prefix, link.url);
    const b = await nodeInstance(prefix);
    const { serviceName, slotIds } = await givenSlots(a, [70, 71]);
    expect(await offered(a, serviceName)).toEqual(slotIds);
    expect(await offered(b, serviceName)).toEqual(slotIds);

    // Instance a loses Redis (Redis itself, and its cached list, stay up), books, and cannot invalidate.
    await link.cut();
    const booked = await callTool(a, "book_appointment", { slotId: slotIds[0], customerName: "Cut Off" }, { caller: uniquePhone() });
    expect(booked.data).toMatchObject({ booked: true });
    expect(a.pending.has(genKeys.availability()), "the failed bump is kept").toBe(true);
    const logged = a.logs.map((l) => JSON.parse(l) as { msg: string; genKey?: string });
    expect(logged.some((l) => l.msg === "cache invalidation failed" && l.genKey === genKeys.availability())).toBe(true);
    expect(await offered(a, serviceName), "the booking instance reads around its pending bump").toEqual([slotIds[1]]);

    // Redis is reachable again, still holding the list from before the booking: the bump lands,
    // and from then on no instance offers the slot.
    await link.restore();
    await expect.poll(() => a.pending.size, { timeout: 10_000 }).toBe(0);
    expect(await offered(b, serviceName)).toEqual([slotIds[1]]);
    expect(await offered(a, serviceName)).toEqual([slotIds[1]]);
  });
});

describe("Redis coming back with older data (a failover to a replica that missed writes)", () => {
  it("invalidates everything each instance had cached once its connection is back", async () => {
    const prefix = `sb${randomUUID().slice(0, 8)}:`;
    const a = await nodeInstance(prefix);
    const b = await nodeInstance(prefix);
    const { serviceName, slotIds } = await givenSlots(a, [80, 81]);
    expect(await offered(a, serviceName)).toEqual(slotIds);
    // What the replica holds: the cached list and its generation, from before the booking.
    const keys = await inspect.keys(`${prefix}*availability*`);
    const before = await Promise.all(keys.map(async (k) => [k, await inspect.dumpBuffer(k)] as const));
    await callTool(a, "book_appointment", { slotId: slotIds[0], customerName: "Failover" }, { caller: uniquePhone() });
    expect(await offered(b, serviceName)).toEqual([slotIds[1]]);

    const epochBefore = Number((await inspect.get(`${prefix}${genKeys.epoch()}`)) ?? 0);
    for (const [k, dump] of before) if (dump) await inspect.restore(k, 0, dump, "REPLACE");
    await inspect.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
    await inspect.call("CLIENT", "KILL", "TYPE", "pubsub");
    // Each instance reconnects and bumps the epoch at least once (a reconnect cut short bumps again).
    await expect
      .poll(async () => Number((await inspect.get(`${prefix}${genKeys.epoch()}`)) ?? 0) >= epochBefore + 2, { timeout: 15_000 })
      .toBe(true);
    expect(await offered(a, serviceName)).toEqual([slotIds[1]]);
    expect(await offered(b, serviceName)).toEqual([slotIds[1]]);
  });
});

describe("Workers: per-request Redis clients (the Worker's code on Node)", () => {
  /** An isolate of the Worker: its own env object, its own per-isolate state. Requests await their waitUntil work. */
  async function isolate(env: Env) {
    const worker = createWorker({
      tools: await discoverTools(),
      services: (scope) =>
        createBusinessServices(scope.config, { db: scope.db, logger: scope.logger, paymentLinkSecret: "faults-test-payment-link-secret" }),
    });
    const own = { ...env };
    return async (name: string, args: unknown, caller = uniquePhone()): Promise<ToolAnswer> => {
      const later: Promise<unknown>[] = [];
      const res = await worker.fetch(
        new Request("https://switchboard.example.com/vapi/webhook", {
          method: "POST",
          headers: { "content-type": "application/json", "x-vapi-secret": TEST_SECRET },
          body: JSON.stringify(toolCallsMessage([{ name, args }], { caller })),
        }),
        own,
        { waitUntil: (p) => void later.push(p) },
      );
      const json = (await res.json()) as { results: ToolAnswer[] };
      await Promise.allSettled(later);
      return json.results[0]!;
    };
  }

  const workerEnv = (prefix: string, extra: Env = {}): Env => ({
    DATABASE_URL: pg.url,
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: prefix,
    VAPI_SECRET: TEST_SECRET,
    LOG_LEVEL: "silent",
    SIDE_EFFECT_LIMIT_PER_MINUTE: "0",
    TOOL_BUDGET_MS: "5000",
    PAYMENT_LINK_SECRET: "faults-test-payment-link-secret",
    ...extra,
  });

  /** Seeds slots through a plain app on the same Redis prefix (so the seed's own bumps land there). */
  async function seed(prefix: string, hours: number[]) {
    const cache = createRedisCache({ url: redis.url, keyPrefix: prefix, commandTimeoutMs: 1000 });
    closers.push(() => cache.close());
    await waitForRedis(cache.client);
    return givenSlots(await createTestApp({ cache, db: pg.database.db }), hours);
  }

  const slotsOf = (answer: ToolAnswer) => (JSON.parse(answer.result!).slots as { slotId: string }[]).map((s) => s.slotId);

  it("a booking race while Redis is slow to take writes loses no invalidation, and other isolates stop offering the slots", async () => {
    const prefix = `sb${randomUUID().slice(0, 8)}:`;
    const env = workerEnv(prefix, { REDIS_INVALIDATION_TIMEOUT_MS: "3000" });
    const booker = await isolate(env);
    const reader = await isolate(env);
    const { serviceName, slotIds } = await seed(prefix, [90, 91, 92, 93, 94, 95]);
    expect(slotsOf(await reader("check_availability", { service: serviceName, limit: 5 }))).toEqual(slotIds.slice(0, 5));

    // Redis takes no writes for a second (reads still answer): each booking's bump waits for it,
    // on a connection the request has just opened.
    await inspect.call("CLIENT", "PAUSE", "1000", "WRITE");
    const race = await Promise.all(slotIds.slice(0, 5).map((slotId) => booker("book_appointment", { slotId, customerName: "Racer" })));
    for (const a of race) expect(JSON.parse(a.result!)).toMatchObject({ booked: true });
    expect(slotsOf(await reader("check_availability", { service: serviceName, limit: 5 }))).toEqual([slotIds[5]]);
  });

  it("a bump that failed while Redis was out of reach is replayed by the isolate's next request; then no isolate offers the slot", async () => {
    const prefix = `sb${randomUUID().slice(0, 8)}:`;
    const link = await partition();
    const booker = await isolate(workerEnv(prefix, { REDIS_URL: link.url }));
    const reader = await isolate(workerEnv(prefix));
    const { serviceName, slotIds } = await seed(prefix, [100, 101]);
    expect(slotsOf(await reader("check_availability", { service: serviceName }))).toEqual(slotIds);

    await link.cut();
    const booked = await booker("book_appointment", { slotId: slotIds[0], customerName: "Cut Off" });
    expect(JSON.parse(booked.result!)).toMatchObject({ booked: true });
    // While Redis is stale, the isolate that booked reads around its pending bump.
    expect(slotsOf(await booker("check_availability", { service: serviceName }))).toEqual([slotIds[1]]);
    await link.restore();
    // Its next request replays the bump (under waitUntil), and then every isolate sees it.
    expect(slotsOf(await booker("check_availability", { service: serviceName }))).toEqual([slotIds[1]]);
    expect(slotsOf(await reader("check_availability", { service: serviceName }))).toEqual([slotIds[1]]);
  });

  it("a bump opens a new connection when the request's first one failed", async () => {
    const cache: Cache = createRequestRedisCache({ url: redis.url, keyPrefix: `sb${randomUUID().slice(0, 8)}:`, connectTimeoutMs: 500 });
    closers.push(() => cache.close());
    await redis.stop();
    try {
      await expect(cache.get("anything")).rejects.toThrow();
    } finally {
      await redis.start();
    }
    await expect(cache.get("anything"), "reads still fail fast on the failed connection").rejects.toThrow();
    expect(await cache.incr(genKeys.availability(), 60_000, { mustLand: true })).toBe(1);
  });
});
