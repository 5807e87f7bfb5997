/**
 * Hyperdrive caches the results of read queries by default (max_age 60 s, stale_while_revalidate
 * 15 s). Switchboard's reads are invalidated by Redis generations; a cached result behind them
 * can be stored under the new generation and served for a TTL (docs/adr/0014-workers-edge-runtime.md).
 * So every Hyperdrive configuration it uses must have caching disabled. Pure checks, used by
 * `npm run deploy:worker` (scripts/build/check-hyperdrive.ts) and the unit tests.
 */

/** The caching part of a Hyperdrive configuration as `wrangler hyperdrive get` prints it (the API's shape). */
export interface HyperdriveConfig {
  id?: string;
  name?: string;
  caching?: { disabled?: boolean; max_age?: number; stale_while_revalidate?: number };
}

/** Why a Hyperdrive configuration must not serve Switchboard as it is, or undefined when its caching is off. */
export function hyperdriveCachingProblem(config: HyperdriveConfig): string | undefined {
  if (config.caching?.disabled === true) return undefined;
  const label = `Hyperdrive ${config.name ?? "configuration"} (${config.id ?? "unknown id"})`;
  const settings =
    config.caching?.max_age !== undefined
      ? `max_age ${config.caching.max_age} s, stale_while_revalidate ${config.caching.stale_while_revalidate ?? "default"} s`
      : "the defaults: 60 s, then 15 s stale";
  return (
    `${label} caches query results (${settings}): a write's cache invalidation would be undone by stale rows. ` +
    `Turn it off: npx wrangler hyperdrive update ${config.id ?? "<id>"} --caching-disabled`
  );
}

/** The JSON object in `wrangler hyperdrive get` output (wrangler prints a banner before it). */
export function parseHyperdriveGet(output: string): HyperdriveConfig {
  const start = output.indexOf("{");
  const end = output.lastIndexOf("}");
  if (start < 0 || end < start) throw new Error(`no Hyperdrive configuration in wrangler's output:\n${output.slice(0, 500)}`);
  return JSON.parse(output.slice(start, end + 1)) as HyperdriveConfig;
}

/** The ids of the `[[hyperdrive]]` bindings in a wrangler.toml. */
export function hyperdriveIds(wranglerToml: string): string[] {
  const ids: string[] = [];
  for (const block of wranglerToml.split(/^\[\[hyperdrive\]\]\s*$/m).slice(1)) {
    const body = block.split(/^\[/m)[0] ?? "";
    const id = /^\s*id\s*=\s*"([^"]+)"/m.exec(body)?.[1];
    if (id) ids.push(id);
  }
  return ids;
}

/** Shell commands in a text that create or update a Hyperdrive configuration without disabling its cache. */
export function commandsKeepingTheCache(text: string): string[] {
  return text
    .split("\n")
    .filter((line) => /wrangler hyperdrive (create|update)\b/.test(line))
    .filter((line) => !line.includes("--caching-disabled"));
}
