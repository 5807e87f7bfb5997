/** The caller's name, call count and last call's summary, from `caller_memory` (cached). */
import { getCallerMemory } from "../../services/caller-memory.ts";
import type { CallerProfileContributor } from "../caller-profile.ts";

export const callerMemoryContributor: CallerProfileContributor = {
  name: "caller-memory",
  async load(deps, callerNumber) {
    const memory = await getCallerMemory({ db: deps.db, cache: deps.cache, logger: deps.logger, ttlMs: deps.memoryTtlMs }, callerNumber);
    if (!memory) return {};
    return {
      ...(memory.name ? { name: memory.name } : {}),
      ...(memory.callCount > 0 ? { previousCalls: memory.callCount } : {}),
      ...(memory.lastSummary && memory.lastCallAt ? { lastCall: { summary: memory.lastSummary, endedAt: memory.lastCallAt } } : {}),
    };
  },
};
