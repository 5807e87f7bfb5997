/**
 * Reports the size of the Worker bundle that `wrangler deploy --dry-run --outdir <dir>` wrote,
 * and fails when it is no longer well under Cloudflare's limits (3 MiB gzipped on the free plan,
 * 10 MiB on paid; a big bundle also slows every cold start). `npm run build:worker` runs it.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/** The budget this project holds itself to, far below the platform's limits. */
const MAX_GZIP_BYTES = 1024 * 1024;

const dir = process.argv[2] ?? "dist-worker";
const files = (await readdir(dir)).filter((f) => /\.(m?js|wasm)$/.test(f));
if (files.length === 0) {
  process.stderr.write(`No bundle in ${dir}: run \`wrangler deploy --dry-run --outdir ${dir}\` first.\n`);
  process.exit(1);
}
let raw = 0;
let gzipped = 0;
for (const file of files) {
  const bytes = await readFile(join(dir, file));
  raw += bytes.length;
  gzipped += gzipSync(bytes, { level: 9 }).length;
}
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
process.stdout.write(`Worker bundle: ${kib(raw)}, ${kib(gzipped)} gzipped (budget ${kib(MAX_GZIP_BYTES)} gzipped)\n`);
if (gzipped > MAX_GZIP_BYTES) {
  process.stderr.write("The Worker bundle is over its gzipped budget: look for a dependency that should not be in it.\n");
  process.exit(1);
}
