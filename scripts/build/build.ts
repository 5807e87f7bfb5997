/**
 * `npm run build`: bundles the Node server into `dist/server.mjs` with its tools (from the
 * build-time index) for production: `npm run start:prod`. Dependencies stay in node_modules.
 */
import { build } from "esbuild";
import { generateToolsIndex } from "./generate-tools-index.ts";

await generateToolsIndex();
await build({
  entryPoints: ["src/server-bundled.ts"],
  outfile: "dist/server.mjs",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
});
process.stdout.write("Built dist/server.mjs\n");
