// Protects bookings across a crash: the server process SIGKILLed during a burst of bookings leaves no half-written booking, every acknowledged one is stored, and re-sent calls after the restart book nothing twice.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "../../scripts/lab/lib/server-process.ts";
import { expectNoHalfWrittenBookings, lostCodes } from "../support/booking-audit.ts";
import { givenSlots, uniquePhone } from "../support/business.ts";
import { TEST_SECRET } from "../support/harness.ts";
import { type PrivateStack, startPrivateStack } from "../support/private-stack.ts";
import { testCallId, testToolCallId, toolCallsMessage } from "../support/vapi-messages.ts";

let stack: PrivateStack;

beforeAll(async () => {
  stack = await startPrivateStack();
}, 120_000);

afterAll(() => stack?.destroy(), 60_000);

const serverEnv = () => ({
  DATABASE_URL: stack.postgres.url,
  REDIS_URL: stack.redis.url,
  VAPI_SECRET: TEST_SECRET,
  HOST: "127.0.0.1",
  PORT: "0",
  DEMO_DATA: "off",
  WARM_UP: "false",
  LOG_LEVEL: "error",
  SIDE_EFFECT_LIMIT_PER_MINUTE: "0",
});

interface Attempt {
  slotId: string;
  caller: string;
  callId: string;
  toolCallId: string;
}

/** One booking over HTTP; the confirmation code when the server acknowledged it, else undefined. */
async function book(server: ServerProcess, a: Attempt): Promise<{ code?: string; answered: boolean }> {
  const msg = toolCallsMessage([{ id: a.toolCallId, name: "book_appointment", args: { slotId: a.slotId, customerName: "Crash Test" } }], {
    caller: a.caller,
    callId: a.callId,
  });
  try {
    const res = await fetch(`${server.base}/vapi/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-vapi-secret": TEST_SECRET },
      body: JSON.stringify(msg),
    });
    const json = (await res.json()) as { results: { result?: string }[] };
    const result = json.results[0]?.result;
    return { answered: true, code: result ? (JSON.parse(result) as { confirmationCode?: string }).confirmationCode : undefined };
  } catch {
    return { answered: false }; // the connection died with the process: nothing was acknowledged
  }
}

describe("server process killed during a burst of bookings", () => {
  it("keeps every acknowledged booking, writes none by halves, and books nothing twice after the restart", async () => {
    const t = await stack.app();
    const { slotIds } = await givenSlots(
      t,
      Array.from({ length: 80 }, (_, i) => 300 + i),
    );
    const attempts: Attempt[] = slotIds.map((slotId) => ({
      slotId,
      caller: uniquePhone(),
      callId: testCallId(),
      toolCallId: testToolCallId(),
    }));

    const first = await startServerProcess(serverEnv());
    const acknowledged: string[] = [];
    let killed: Promise<void> | undefined;
    const kill = () => {
      killed ??= new Promise<void>((resolve) => {
        first.child.once("exit", () => resolve());
        first.child.kill("SIGKILL");
      });
    };
    // Ten bookings in flight at a time; the process dies without warning after the twentieth acknowledgement.
    let next = 0;
    const worker = async () => {
      while (next < attempts.length && !killed) {
        const outcome = await book(first, attempts[next++]!);
        if (outcome.code) acknowledged.push(outcome.code);
        if (acknowledged.length >= 20) kill();
      }
    };
    await Promise.all(Array.from({ length: 10 }, worker));
    kill();
    await killed;
    expect(acknowledged.length).toBeGreaterThanOrEqual(20);

    expect(await lostCodes(stack.database.db, acknowledged)).toEqual([]);
    await expectNoHalfWrittenBookings(stack.database.db);

    // After the restart Vapi re-sends whatever it never got an answer for, with the same toolCallIds.
    const second = await startServerProcess(serverEnv());
    try {
      const resent = await Promise.all(attempts.slice(0, next).map((a) => book(second, a)));
      for (const r of resent) expect(r.code, "a re-sent booking answers its booking").toMatch(/^[A-Z2-9]{6}$/);
      // Acknowledged ones answer with the code the caller already heard.
      const again = new Set(resent.map((r) => r.code));
      for (const code of acknowledged) expect(again.has(code)).toBe(true);
    } finally {
      await second.stop();
    }
    const [perSlot] = await stack.database.db.execute<{ max: number; n: number }>(
      sql`select coalesce(max(c), 0)::int as max, count(*)::int as n from (select count(*) as c from appointments group by slot_id) s`,
    );
    expect(perSlot!.max).toBe(1);
    expect(perSlot!.n).toBe(next);
    await expectNoHalfWrittenBookings(stack.database.db);
  }, 180_000);
});
