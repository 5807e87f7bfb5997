/**
 * `npm run build`: bundles the Node server into `dist/server.mjs` with its tools (from the
 * build-time index) for production: `npm run start:prod`. Dependencies stay in node_modules.
 */
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { generateToolsIndex } from "./generate-tools-index.ts";

// `--outfile` builds elsewhere (tests running in parallel each build their own).
const { outfile = "dist/server.mjs" } = parseArgs({ options: { outfile: { type: "string" } } }).values;
await generateToolsIndex();
await build({
  entryPoints: ["src/server-bundled.ts"],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
});
process.stdout.write(`Built ${outfile}\n`);
