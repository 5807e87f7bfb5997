// Protects personal data from the error log: a failed query is logged with its Postgres code, constraint, table, column and statement, never with its parameter values (names, e-mails, card numbers) or the row data Postgres quotes back.
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { customers } from "../../src/db/schema/index.ts";
import { findCardNumbers } from "../../src/lib/card-numbers.ts";
import { createLogger } from "../../src/lib/logger.ts";
import { callTool, givenAccount, uniquePhone } from "../support/business.ts";
import { createTestApp, type TestApp, testDatabase } from "../support/harness.ts";

const EMAIL = "pat.doe+billing@example.com";
const CARD = "4111. 1111. 1111. 1111.";
const NAME = "Patricia Doe-Whitfield";

/** Runs `query`, which must fail, and returns the one line the logger writes about it. */
async function loggedFailure(query: () => Promise<unknown>): Promise<{ line: string; err: Record<string, unknown> }> {
  const lines: string[] = [];
  const logger = createLogger({ sink: (l) => lines.push(l) });
  const failure = await query().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(failure).toBeInstanceOf(Error);
  logger.error("query failed", { err: failure });
  return { line: lines[0]!, err: JSON.parse(lines[0]!).err };
}

function expectNoPersonalData(line: string) {
  expect(line).not.toContain(EMAIL);
  expect(line).not.toContain("example.com");
  expect(line).not.toContain(NAME);
  expect(findCardNumbers(line)).toEqual([]);
  expect(line).not.toMatch(/params|parameters|Failing row/);
}

describe("a failed query in the log", () => {
  it("has the not-null violation's code, table and column, and none of the values", async () => {
    const { line, err } = await loggedFailure(() =>
      testDatabase()
        .db.insert(customers)
        .values({ phone: null as unknown as string, name: `${NAME} ${CARD}`, email: EMAIL }),
    );
    expectNoPersonalData(line);
    expect(err).toMatchObject({
      message: "Failed query",
      query: expect.stringMatching(/^insert into "customers"/),
      cause: { name: "PostgresError", code: "23502", table: "customers", column: "phone" },
    });
    expect((err.cause as { message: string }).message).toContain('null value in column "phone"');
  });

  it("drops the value a data error quotes back", async () => {
    const { line, err } = await loggedFailure(() =>
      testDatabase().db.execute(sql`select * from customers where id = ${`${EMAIL} ${CARD}`}::uuid`),
    );
    expectNoPersonalData(line);
    expect(err).toMatchObject({ cause: { code: "22P02", message: "invalid input syntax for type uuid: [value]" } });
  });
});

describe("a tool whose query fails", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ toolsDir: fileURLToPath(new URL("../fixtures/query-failure-tools", import.meta.url)) });
  });

  it("is logged through the webhook with the unique violation's constraint, never the caller's name, e-mail or number", async () => {
    const caller = uniquePhone();
    await givenAccount(t, caller, []);
    const answer = await callTool(t, "add_contact", { name: NAME, email: EMAIL }, { caller });
    expect(answer.error).toMatch(/^Sorry, something went wrong on our side/);
    const line = t.logs.find((l) => l.includes('"msg":"tool failed"') && l.includes('"add_contact"'))!;
    expect(line).toBeDefined();
    expectNoPersonalData(line);
    expect(line).not.toContain(caller);
    expect(line).not.toContain(caller.slice(1));
    expect(JSON.parse(line).err).toMatchObject({
      query: expect.stringMatching(/^insert into "customers"/),
      cause: { code: "23505", constraint: "customers_phone_unique", table: "customers" },
    });
  });
});
