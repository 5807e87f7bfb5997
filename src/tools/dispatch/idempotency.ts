/**
 * Side-effecting tools run once per Vapi call and toolCallId: the claim, the handler and the
 * stored answer share one transaction, and every delivery of one tool call hears the same thing
 * (ADR 2).
 */
import { and, eq } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { toolCalls } from "../../db/schema/index.ts";
import type { CallState } from "../../services/call-state.ts";
import type { CallFacts, NormalizedToolCall } from "../../vapi/envelope.ts";
import type { ToolDefinition } from "../define-tool.ts";
import { type Answered, answerError, storedAnswer, storedResponse, timedOut, toAnswer } from "./answers.ts";
import { type DispatcherDeps, type Hook, type LazyAbort, makeContext, type RunState, runHooks } from "./context.ts";

class RolledBack extends Error {}

/** A delivery being run here; later deliveries of the same tool call join it (see `follow`). */
interface Attempt {
  toolName: string;
  callerNumber: string | undefined;
  state: RunState;
  /** The run states of the deliveries waiting for it: they wait for its commit as it does. */
  followers: RunState[];
  outcome: Promise<Answered>;
}

/**
 * Deliveries in flight per database handle: the process on Node, the request on Workers (a
 * promise must not be awaited across Workers requests). Deliberately module-level: it holds no
 * I/O object, and the WeakMap lets it go with its handle.
 */
const inFlight = new WeakMap<Database, Map<string, Attempt>>();

/**
 * Side-effecting tools. A delivery that finds another delivery of the same call and toolCallId
 * running in this process joins it and answers what it answers. Otherwise the tool_calls row is
 * inserted first, inside the handler's transaction: a delivery elsewhere blocks on that row's
 * primary key until the first commits, then finds it and returns the stored answer. One side
 * effect, identical answers; the cases where that cannot hold are in ADR 2.
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
  let attempts = inFlight.get(deps.db);
  if (!attempts) {
    attempts = new Map();
    inFlight.set(deps.db, attempts);
  }
  const key = `${facts.callId ?? ""}\u0000${call.toolCallId}`;
  const running = attempts.get(key);
  if (running) return follow(running, facts, call, tool, state, deps.transfersAvailable);

  const attempt = { toolName: tool.name, callerNumber: facts.callerNumber, state, followers: [] } as Omit<Attempt, "outcome"> as Attempt;
  attempt.outcome = lead(deps, facts, call, tool, input, abort, attempt, callState);
  attempts.set(key, attempt);
  try {
    return await attempt.outcome;
  } finally {
    attempts.delete(key);
  }
}

/**
 * A later delivery of a tool call that is running here: it never starts a second attempt, it
 * answers what the running one answers. Waiting is bounded by its own budget, except once the
 * running attempt is committing: then its answer is decided and is awaited like the commit.
 */
async function follow(
  attempt: Attempt,
  facts: CallFacts,
  call: NormalizedToolCall,
  tool: ToolDefinition,
  state: RunState,
  transfersAvailable: boolean | undefined,
) {
  if (attempt.toolName !== tool.name || attempt.callerNumber !== facts.callerNumber) return alreadyUsed(call);
  // The attempt answered the timeout sentence and is rolling back: that is this delivery's answer too.
  if (attempt.state.phase === "timed-out") return timedOut(call, tool, transfersAvailable);
  if (attempt.state.phase === "committing") state.phase = "committing";
  else attempt.followers.push(state);
  return attempt.outcome;
}

async function lead(
  deps: DispatcherDeps,
  facts: CallFacts,
  call: NormalizedToolCall,
  tool: ToolDefinition,
  input: Record<string, unknown>,
  abort: LazyAbort,
  attempt: Omit<Attempt, "outcome">,
  callState: CallState,
): Promise<Answered> {
  const { state } = attempt;
  const started = performance.now();
  const hooks: Hook[] = [];
  const callId = facts.callId ?? "";
  const thisCall = and(eq(toolCalls.callId, callId), eq(toolCalls.toolCallId, call.toolCallId));
  try {
    const answered = await deps.db.transaction(async (tx) => {
      const claimed = await tx
        .insert(toolCalls)
        .values({
          toolCallId: call.toolCallId,
          callId,
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
          .select({ response: toolCalls.response, toolName: toolCalls.toolName, callerNumber: toolCalls.callerNumber })
          .from(toolCalls)
          .where(thisCall);
        // Another caller's answer is never replayed (a reused or forged id), nor another tool's.
        if (stored && stored.toolName === tool.name && stored.callerNumber === (facts.callerNumber ?? null)) {
          return storedAnswer(call, stored.response);
        }
        return alreadyUsed(call);
      }
      // This delivery waited on the claim of a delivery elsewhere that rolled back, and its own
      // budget is gone: the timeout sentence is out, so nothing may be done now.
      if (timedOutAlready(state)) throw new RolledBack();
      const value = await tool.handler({
        input,
        ctx: makeContext(deps, facts, call, tool, tx, callState, hooks),
        get signal() {
          return abort.signal;
        },
      });
      const answered = toAnswer(call, value, deps.maxResultChars);
      if (timedOutAlready(state)) throw new RolledBack();
      state.phase = "committing";
      for (const follower of attempt.followers) if (follower.phase === "running") follower.phase = "committing";
      const { answer } = answered;
      await tx
        .update(toolCalls)
        .set({
          outcome: "error" in answer ? "error" : "result",
          response: storedResponse(answer),
          durationMs: Math.round(performance.now() - started),
        })
        .where(thisCall);
      return answered;
    });
    // Only reached once the transaction committed; a stored answer registered no hooks.
    await runHooks(deps, facts, call, tool, hooks);
    return answered;
  } catch (err) {
    if (err instanceof RolledBack) return timedOut(call, tool, deps.transfersAvailable);
    throw err;
  }
}

/** The budget timer (run-call.ts) may have fired during any await: read the phase afresh. */
const timedOutAlready = (state: RunState) => state.phase === "timed-out";

/** A toolCallId already used in this call for another tool, or by another caller: nothing of it is revealed. */
function alreadyUsed(call: NormalizedToolCall): Answered {
  return answerError(call, "That request id was already used for a different action. Please ask again.", "rejected");
}
