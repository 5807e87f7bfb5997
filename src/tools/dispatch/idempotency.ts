/**
 * Side-effecting tools run once per Vapi call and toolCallId: the claim, the handler and the
 * stored answer share one transaction, and every delivery of one tool call hears the same thing
 * (ADR 2).
 */
import { and, eq } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { type Pipelined, pipelinedTransaction } from "../../db/pipelined-transaction.ts";
import { toolCalls } from "../../db/schema/index.ts";
import type { NormalizedToolCall } from "../../vapi/envelope.ts";
import { type Answered, answerError, storedAnswer, storedResponse, timedOut, toAnswer } from "./answers.ts";
import { type Hook, makeContext, type RunState, runHooks, type ToolRun } from "./context.ts";

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
export async function runIdempotent(run: ToolRun, state: RunState): Promise<Answered> {
  const { deps, facts, call, tool } = run;
  let attempts = inFlight.get(deps.db);
  if (!attempts) {
    attempts = new Map();
    inFlight.set(deps.db, attempts);
  }
  const key = `${facts.callId ?? ""}\u0000${call.toolCallId}`;
  const running = attempts.get(key);
  if (running) return follow(running, run, state);

  const attempt = { toolName: tool.name, callerNumber: facts.callerNumber, state, followers: [] } as Omit<Attempt, "outcome"> as Attempt;
  attempt.outcome = lead(run, attempt);
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
async function follow(attempt: Attempt, { deps, facts, call, tool }: ToolRun, state: RunState) {
  if (attempt.toolName !== tool.name || attempt.callerNumber !== facts.callerNumber) return alreadyUsed(call);
  // The attempt answered the timeout sentence and is rolling back: that is this delivery's answer too.
  if (attempt.state.phase === "timed-out") return timedOut(call, tool, deps.transfersAvailable);
  if (attempt.state.phase === "committing") state.phase = "committing";
  else attempt.followers.push(state);
  return attempt.outcome;
}

async function lead(run: ToolRun, attempt: Omit<Attempt, "outcome">): Promise<Answered> {
  const { deps, facts, call, tool } = run;
  const { state } = attempt;
  const started = performance.now();
  const hooks: Hook[] = [];
  const callId = facts.callId ?? "";
  try {
    // Five statements (BEGIN, claim, the handler's, record, COMMIT) in three round trips: the
    // claim travels with BEGIN and the record with COMMIT (src/db/pipelined-transaction.ts).
    const answered = await pipelinedTransaction(
      deps.db,
      (sql) => sql`
        insert into tool_calls (tool_call_id, call_id, tool_name, caller_number, outcome, response, duration_ms)
        values (${call.toolCallId}, ${callId}, ${tool.name}, ${facts.callerNumber ?? null}, 'result', '{}'::jsonb, 0)
        on conflict do nothing
        returning tool_call_id`,
      async (tx, claimed): Promise<Pipelined<Answered>> => {
        if (claimed.length === 0) {
          const [stored] = await tx
            .select({ response: toolCalls.response, toolName: toolCalls.toolName, callerNumber: toolCalls.callerNumber })
            .from(toolCalls)
            .where(and(eq(toolCalls.callId, callId), eq(toolCalls.toolCallId, call.toolCallId)));
          // Another caller's answer is never replayed (a reused or forged id), nor another tool's.
          if (stored && stored.toolName === tool.name && stored.callerNumber === (facts.callerNumber ?? null)) {
            return { value: storedAnswer(call, stored.response) };
          }
          return { value: alreadyUsed(call) };
        }
        // This delivery waited on the claim of a delivery elsewhere that rolled back, and its own
        // budget is gone: the timeout sentence is out, so nothing may be done now.
        if (timedOutAlready(state)) throw new RolledBack();
        const value = await tool.handler({
          input: run.input,
          ctx: makeContext(run, tx, hooks),
          get signal() {
            return run.abort.signal;
          },
        });
        const answered = toAnswer(call, value, deps.maxResultChars);
        if (timedOutAlready(state)) throw new RolledBack();
        state.phase = "committing";
        for (const follower of attempt.followers) if (follower.phase === "running") follower.phase = "committing";
        const { answer } = answered;
        return {
          value: answered,
          closing: (sql) => sql`
            update tool_calls
            set outcome = ${"error" in answer ? "error" : "result"},
              response = ${JSON.stringify(storedResponse(answer))}::jsonb,
              duration_ms = ${Math.round(performance.now() - started)}
            where call_id = ${callId} and tool_call_id = ${call.toolCallId}`,
        };
      },
    );
    // Only reached once the transaction committed; a stored answer registered no hooks.
    await runHooks(run, hooks);
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
