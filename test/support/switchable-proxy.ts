/**
 * A TCP proxy in front of the run's Postgres that a test turns off (connections refused, open
 * ones cut) and on again: a database outage in a second, without a private cluster.
 */
import { connect, createServer, type Socket } from "node:net";

export interface SwitchableProxy {
  /** The database URL through the proxy. */
  url: string;
  /** "up": forwards; "down": cuts open connections and closes new ones at once. */
  set(state: "up" | "down"): void;
  close(): Promise<void>;
}

export async function switchableProxy(databaseUrl: string): Promise<SwitchableProxy> {
  const target = new URL(databaseUrl);
  let state: "up" | "down" = "up";
  const open = new Set<Socket>();
  const server = createServer((client) => {
    client.on("error", () => {});
    if (state === "down") {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port || 5432), target.hostname);
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.pipe(upstream).pipe(client);
    open.add(client).add(upstream);
    client.once("close", () => open.delete(client));
    upstream.once("close", () => open.delete(upstream));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = new URL(databaseUrl);
  url.hostname = "127.0.0.1";
  url.port = String((server.address() as { port: number }).port);
  return {
    url: url.toString(),
    set(next) {
      state = next;
      if (next === "down") for (const s of open) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
