/**
 * Node entry for production (`npm run build`, then `npm run start:prod`): bundled into
 * `dist/server.mjs` with the tools from the build-time index, so no TypeScript loader runs in
 * production (it costs about 100 MB of memory and a second of start-up).
 */
import { bundledTools } from "./generated/tools.ts";
import { startServer } from "./runtime/start-node-server.ts";

await startServer({ tools: bundledTools, production: true });
