/**
 * `npm run measure:lookups`: what a hot lookup costs when every request opens its own Redis
 * connection (as on Workers), against a long-lived connection (as on Node) and a first-level
 * memory hit. A small in-process TCP relay adds a round-trip delay, to model a Redis that is a
 * few milliseconds away instead of on loopback. Loopback only, bounded loops.
 * Usage: REDIS_URL=redis://127.0.0.1:6379 npm run measure:lookups -- [rttMs ...]   (default: 0 2 10)
 */
import { createServer, type Server, connect as tcpConnect } from "node:net";
import { Redis } from "ioredis";
import { createLayeredCache, createLocalMemory } from "../../src/cache/layered-cache.ts";
import { createRequestRedisCache } from "../../src/cache/redis-cache.ts";

const target = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const rtts = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => Number.isFinite(n) && n >= 0);
const KEY = `measure:${process.pid}:hot`;

/** Relays TCP to Redis, delaying every chunk by half the round trip in each direction. */
async function startRelay(rttMs: number): Promise<{ url: string; server: Server }> {
  const half = rttMs / 2;
  const server = createServer((client) => {
    const upstream = tcpConnect(Number(target.port || 6379), target.hostname);
    const pipe = (from: typeof client, to: typeof client) => {
      from.on("data", (chunk) => (half > 0 ? setTimeout(() => to.write(chunk), half) : to.write(chunk)));
      from.on("close", () => setTimeout(() => to.destroy(), half));
      from.on("error", () => to.destroy());
    };
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("relay did not bind");
  const url = new URL(target.toString());
  url.hostname = "127.0.0.1";
  url.port = String(address.port);
  return { url: url.toString(), server };
}

async function time(runs: number, lookup: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await lookup();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return { p50: at(0.5), p95: at(0.95) };
}

async function measure(rttMs: number) {
  const { url, server } = await startRelay(rttMs);
  const runs = rttMs === 0 ? 300 : Math.max(20, Math.round(300 / (rttMs + 1)));
  const rows: [string, { p50: number; p95: number }][] = [];

  const shared = new Redis(url, { lazyConnect: true });
  await shared.connect();
  await shared.set(KEY, "value", "PX", 60_000);
  rows.push(["long-lived connection (Node)", await time(runs, () => shared.get(KEY))]);

  rows.push([
    "new connection per request, ioredis defaults",
    await time(runs, async () => {
      const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null });
      await client.connect();
      await client.get(KEY);
      client.disconnect();
    }),
  ]);

  const workerLike = () => createRequestRedisCache({ url, connectTimeoutMs: 2_000, commandTimeoutMs: 2_000 });
  rows.push([
    "new connection per request, as the Worker opens it",
    await time(runs, async () => {
      const cache = workerLike();
      await cache.get(KEY);
      await cache.close();
    }),
  ]);

  const memory = createLocalMemory();
  rows.push([
    "first-level memory hit (localTtlMs), no connection",
    await time(runs, async () => {
      const redis = workerLike();
      const cache = createLayeredCache(redis, memory);
      await cache.get(KEY, { localTtlMs: 60_000 });
      await redis.close();
    }),
  ]);

  await shared.del(KEY);
  shared.disconnect();
  server.close();
  process.stdout.write(`\nRound trip added: ${rttMs} ms (${runs} lookups each)\n`);
  for (const [name, { p50, p95 }] of rows) {
    process.stdout.write(`  ${name.padEnd(52)} p50 ${p50.toFixed(2).padStart(7)} ms   p95 ${p95.toFixed(2).padStart(7)} ms\n`);
  }
}

for (const rtt of rtts.length > 0 ? rtts : [0, 2, 10]) await measure(rtt);
