/** Node entry, from source (`npm start`): tools are discovered from `tools/` at start. */
import { startServer } from "./runtime/start-node-server.ts";

await startServer();
