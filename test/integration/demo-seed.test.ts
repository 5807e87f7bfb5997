// Protects the embedded default's demo data: seeding twice changes nothing, and the numbers the start-up banner suggests answer through the tools.
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { localDate } from "../../src/lib/speak.ts";
import { DEMO, seedDemoData } from "../../src/services/demo-seed.ts";
import { DEMO_EXPERIMENT } from "../../src/services/latency/demo-calls.ts";
import { compareExperiments } from "../../src/services/latency/experiments.ts";
import { latencyReport } from "../../src/services/latency/report.ts";
import { callTool } from "../support/business.ts";
import { createTestApp, type TestApp, testDatabase } from "../support/harness.ts";

let t: TestApp;
const seed = () => seedDemoData({ ...t.deps, timeZone: t.deps.config.BUSINESS_TIMEZONE });

const counts = async () =>
  (
    await testDatabase().db.execute<Record<string, number>>(sql`select
      (select count(*)::int from customers where phone like '+1555010%') as customers,
      (select count(*)::int from shipments where tracking_number like '1ZDEMO%') as shipments,
      (select count(*)::int from shipment_events e join shipments s on s.id = e.shipment_id where s.tracking_number like '1ZDEMO%') as events,
      (select count(*)::int from slots s join services v on v.id = s.service_id where v.code in ('consultation', 'fitting')) as slots,
      (select count(*)::int from invoices where number like 'INV-_00_') as invoices,
      (select count(*)::int from appointments a join customers c on c.id = a.customer_id where c.phone = ${DEMO.callerNumber}) as appointments,
      (select count(*)::int from call_latencies where call_id like 'demo-call-%') as "reportedCalls",
      (select count(*)::int from call_turn_latencies where call_id like 'demo-call-%') as "reportedTurns"`)
  )[0]!;

beforeAll(async () => {
  t = await createTestApp({ env: { TOOL_BUDGET_MS: "3000" } });
  await seed();
});

describe("demo seed", () => {
  it("is idempotent", async () => {
    const first = await counts();
    await seed();
    expect(await counts()).toEqual(first);
    expect(first).toMatchObject({ customers: 2, shipments: 6, invoices: 4, appointments: 1 });
    expect(first.slots).toBeGreaterThan(40);
    expect(first.reportedCalls).toBe(7 * 14);
    expect(first.reportedTurns).toBeGreaterThan(first.reportedCalls! * 4);
  });

  it("gives `npm run latency` a week of calls on every preset, and an experiment to compare", async () => {
    const now = t.deps.clock.now();
    const report = await latencyReport(t.deps.db, { since: new Date(now.getTime() - 8 * 86_400_000), until: now });
    expect(report.calls).toBeGreaterThanOrEqual(7 * 14);
    for (const stage of report.stages) expect(stage.p95Ms, stage.stage).toBeGreaterThan(0);
    expect(report.turnsOver500msShare).toBeGreaterThan(0);
    expect(report.turnsOver500msShare).toBeLessThan(1);
    const [experiment] = (await compareExperiments(t.deps.db, { since: new Date(now.getTime() - 8 * 86_400_000), until: now })).filter(
      (e) => e.experiment === DEMO_EXPERIMENT,
    );
    expect(experiment?.arms.map((a) => a.arm)).toEqual(["dispatch", "scheduling"]);
  });

  it("has shipments in every state, one of them delayed", async () => {
    const rows = await testDatabase().db.execute<{ status: string }>(
      sql`select distinct status from shipments where tracking_number like '1ZDEMO%'`,
    );
    expect(rows.map((r) => r.status).sort()).toEqual(["delivered", "exception", "in_transit", "label_created", "out_for_delivery"]);
    const delayed = await callTool(t, "get_shipment_status", { trackingNumber: DEMO.delayedTrackingNumber });
    expect(delayed.data).toMatchObject({ delayed: true, delayReason: "severe weather in the region" });
  });

  it("answers the banner's caller number and tracking number through the tools", async () => {
    const caller = DEMO.callerNumber;
    expect((await callTool(t, "get_shipment_status", { trackingNumber: DEMO.trackingNumber })).data!.status).toBe("in transit");
    expect((await callTool(t, "get_account_balance", {}, { caller })).data).toMatchObject({ accountNumber: "AC-1001", balance: "$165.50" });
    expect((await callTool(t, "list_my_appointments", {}, { caller })).data!.appointments).toHaveLength(1);
    expect((await callTool(t, "check_availability", { service: "consultation" })).data!.slots).toHaveLength(5);
  });

  it("puts slots on business days in the business's time zone, none on Sundays", async () => {
    const rows = await testDatabase().db.execute<{ starts_at: string }>(
      sql`select s.starts_at::text from slots s join services v on v.id = s.service_id where v.code = 'consultation'`,
    );
    const zone = t.deps.config.BUSINESS_TIMEZONE;
    const local = rows.map((r) => new Date(r.starts_at));
    const weekday = (d: Date) => new Intl.DateTimeFormat("en-US", { timeZone: zone, weekday: "long" }).format(d);
    const hour = (d: Date) => Number(new Intl.DateTimeFormat("en-US", { timeZone: zone, hour: "numeric", hourCycle: "h23" }).format(d));
    expect(local.some((d) => weekday(d) === "Sunday")).toBe(false);
    expect(local.every((d) => hour(d) >= 9 && hour(d) < 17)).toBe(true);
    expect(new Set(local.map((d) => localDate(d, zone))).size).toBeGreaterThanOrEqual(4);
  });
});
