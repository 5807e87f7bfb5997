/** Side-effecting tools run once per toolCallId: the claim, the handler and the stored answer share one transaction (ADR 2). */
import { eq } from "drizzle-orm";
import { toolCalls } from "../../db/schema/index.ts";
import type { CallState } from "../../services/call-state.ts";
import type { CallFacts, NormalizedToolCall } from "../../vapi/envelope.ts";
import type { ToolDefinition } from "../define-tool.ts";
import { type Answered, answerError, storedAnswer, storedResponse, timedOut, toAnswer } from "./answers.ts";
import { type DispatcherDeps, type Hook, type LazyAbort, makeContext, type RunState, runHooks } from "./context.ts";

class RolledBack extends Error {}

/**
 * Side-effecting tools: the tool_calls row is inserted first, inside the handler's transaction.
 * A concurrent delivery of the same toolCallId blocks on that row's primary key until the first
 * commits, then finds it and returns the stored answer: one side effect, identical answers.
 */
export async function runIdempotent(
  deps: DispatcherDeps,
  facts: CallFacts,
  call: NormalizedToolCall,
  tool: ToolDefinition,
  input: Record<string, unknown>,
  abort: LazyAbort,
  state: RunState,
  callState: CallState,
): Promise<Answered> {
  const started = performance.now();
  const hooks: Hook[] = [];
  try {
    const answered = await deps.db.transaction(async (tx) => {
      const claimed = await tx
        .insert(toolCalls)
        .values({
          toolCallId: call.toolCallId,
          callId: facts.callId,
          toolName: tool.name,
          callerNumber: facts.callerNumber,
          outcome: "result",
          response: {},
          durationMs: 0,
        })
        .onConflictDoNothing()
        .returning({ id: toolCalls.toolCallId });
      if (claimed.length === 0) {
        const [stored] = await tx
          .select({ response: toolCalls.response, toolName: toolCalls.toolName })
          .from(toolCalls)
          .where(eq(toolCalls.toolCallId, call.toolCallId));
        if (stored && stored.toolName === tool.name) return storedAnswer(call, stored.response);
        return answerError(call, "That request id was already used for a different action. Please ask again.", "rejected");
      }
      const value = await tool.handler({
        input,
        ctx: makeContext(deps, facts, call, tool, tx, callState, hooks),
        get signal() {
          return abort.signal;
        },
      });
      const answered = toAnswer(call, value, deps.maxResultChars);
      if (state.phase === "timed-out") throw new RolledBack();
      state.phase = "committing";
      const { answer } = answered;
      await tx
        .update(toolCalls)
        .set({
          outcome: "error" in answer ? "error" : "result",
          response: storedResponse(answer),
          durationMs: Math.round(performance.now() - started),
        })
        .where(eq(toolCalls.toolCallId, call.toolCallId));
      return answered;
    });
    // Only reached once the transaction committed; a stored answer registered no hooks.
    await runHooks(deps, facts, call, tool, hooks);
    return answered;
  } catch (err) {
    if (err instanceof RolledBack) return timedOut(call, tool);
    throw err;
  }
}
