/**
 * `npm run kb:load -- <folder> [--language english]`: loads every markdown and text file under
 * `folder` (.md, .markdown, .txt) into the knowledge base at DATABASE_URL, each by its path
 * relative to the folder (loading again replaces it). With REDIS_URL (and the server's
 * REDIS_KEY_PREFIX) the cached searches are invalidated, so a running server answers from the new
 * text at once.
 */
import { readdir, readFile } from "node:fs/promises";
import { extname, join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { Cache } from "../../src/cache/cache.ts";
import { createMemoryCache } from "../../src/cache/memory-cache.ts";
import { createRedisCache, waitForRedis } from "../../src/cache/redis-cache.ts";
import { parseConfig } from "../../src/config.ts";
import { createDatabase, type Database } from "../../src/db/client.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { createLogger } from "../../src/lib/logger.ts";
import { inTransaction } from "../../src/services/context.ts";
import { MAX_DOCUMENT_CHARS, upsertDocument } from "../../src/services/knowledge-base/documents.ts";

const EXTENSIONS = new Set([".md", ".markdown", ".txt"]);

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return (
    entries
      .filter((e) => e.isFile() && EXTENSIONS.has(extname(e.name).toLowerCase()))
      // parentPath from Node 20.12; `path` before it.
      .map((e) => join(e.parentPath ?? (e as { path?: string }).path ?? folder, e.name))
      .sort()
  );
}

/** Where the command writes, and (for tests) the database and cache it uses instead of DATABASE_URL's and REDIS_URL's. */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  db?: Database;
  cache?: Cache;
}

const processIo: CommandIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** The command; resolves with its exit code. */
export async function main(argv: string[], env: Record<string, string | undefined>, io: CommandIo = processIo): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { language: { type: "string" } } });
  const folder = positionals[0];
  if (!folder) {
    io.err("Usage: npm run kb:load -- <folder> [--language english]\n");
    return 2;
  }
  const config = parseConfig(env);
  if (!config.DATABASE_URL && !io.db) {
    io.err("Set DATABASE_URL: the knowledge base is loaded into that database.\n");
    return 2;
  }
  const files = await filesUnder(folder);
  if (files.length === 0) {
    io.err(`No .md, .markdown or .txt files under ${folder}.\n`);
    return 1;
  }
  const logger = createLogger({ level: "warn" });
  const database = io.db ? undefined : createDatabase(config.DATABASE_URL!, { max: 1 });
  let cache: Cache = io.cache ?? createMemoryCache();
  try {
    if (config.REDIS_URL && !io.cache) {
      const redis = createRedisCache({ url: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX, commandTimeoutMs: 2_000 });
      cache = redis;
      await waitForRedis(redis.client, 5_000);
    }
    const base = { db: io.db ?? database!.db, cache, clock: systemClock, logger, timeZone: config.BUSINESS_TIMEZONE };
    let failed = 0;
    for (const file of files) {
      const source = relative(folder, file).split(sep).join("/");
      const refused = (why: string) => {
        failed++;
        io.err(`${source}: ${why}\n`);
      };
      const bytes = await readFile(file);
      // The same bounds as the REST API: text, not empty, at most MAX_DOCUMENT_CHARS; each file on its own.
      if (bytes.includes(0)) {
        refused("not a text file (it holds NUL bytes); skipped");
        continue;
      }
      let content: string;
      try {
        content = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch {
        refused("not UTF-8 text; save it as UTF-8 and load it again");
        continue;
      }
      if (content.trim() === "") {
        refused("empty; skipped");
        continue;
      }
      if (content.length > MAX_DOCUMENT_CHARS) {
        refused(`longer than ${MAX_DOCUMENT_CHARS} characters; split it into smaller files`);
        continue;
      }
      try {
        const stored = await inTransaction(base, (ctx) => upsertDocument(ctx, { source, content, language: values.language }));
        if (stored.ok) io.out(`${stored.value.created ? "added" : "updated"} ${source}: ${stored.value.chunks} passage(s)\n`);
        else refused(stored.error.message);
      } catch (err) {
        // The database's own words, never the document's text (a failed query's message carries its parameters).
        const code = (err as { cause?: { code?: string } }).cause?.code;
        refused(`the database refused it${code ? ` (${code})` : ""}; skipped`);
      }
    }
    if (!config.REDIS_URL && !io.cache)
      io.out("REDIS_URL is not set: a running server may answer from its cache until the entries expire.\n");
    if (config.VAPI_ASSISTANT_ID) {
      io.out(
        "VAPI_ASSISTANT_ID is set: the stored assistant names the knowledge base as `npm run vapi -- apply` stored it; apply again if it was stored before these documents.\n",
      );
    }
    return failed > 0 ? 1 : 0;
  } finally {
    if (!io.cache) await cache.close();
    await database?.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2), process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`Loading failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
