/** The bookable catalogue, maintained through the REST API: services and their slots. */
import { eq } from "drizzle-orm";
import { genKeys } from "../../cache/keys.ts";
import { invalidate } from "../../cache/read-through.ts";
import { services, slots } from "../../db/schema/index.ts";
import { fail, ok, type Result, type ServiceContext } from "../context.ts";

export interface ServiceInput {
  code: string;
  name: string;
  durationMinutes?: number;
}

/** REST: creates or updates a bookable service by code. */
export async function upsertService(ctx: ServiceContext, input: ServiceInput) {
  const [row] = await ctx.db
    .insert(services)
    .values({ code: input.code.toLowerCase(), name: input.name, durationMinutes: input.durationMinutes ?? 30 })
    .onConflictDoUpdate({
      target: services.code,
      set: { name: input.name, ...(input.durationMinutes ? { durationMinutes: input.durationMinutes } : {}) },
    })
    .returning({ id: services.id, code: services.code, name: services.name, durationMinutes: services.durationMinutes });
  ctx.afterCommit(() => invalidate(ctx.cache, [genKeys.availability()], ctx.logger));
  return row!;
}

/** REST: adds slots for a service; a slot that already exists (same start) is left as is. */
export async function createSlots(
  ctx: ServiceContext,
  input: { service: string; slots: { startsAt: string; durationMinutes?: number | undefined }[] },
): Promise<Result<{ created: { slotId: string; startsAt: string }[]; existing: number }>> {
  const [service] = await ctx.db.select().from(services).where(eq(services.code, input.service.toLowerCase()));
  if (!service) return fail("not_found", `No service with code "${input.service}". Create it first with POST /api/services.`);
  const rows = input.slots.map((s) => {
    const startsAt = new Date(s.startsAt);
    return {
      serviceId: service.id,
      startsAt,
      endsAt: new Date(startsAt.getTime() + (s.durationMinutes ?? service.durationMinutes) * 60_000),
    };
  });
  const created = rows.length
    ? await ctx.db.insert(slots).values(rows).onConflictDoNothing().returning({ slotId: slots.id, startsAt: slots.startsAt })
    : [];
  ctx.afterCommit(() => invalidate(ctx.cache, [genKeys.availability()], ctx.logger));
  return ok({
    created: created.map((c) => ({ slotId: c.slotId, startsAt: c.startsAt.toISOString() })),
    existing: rows.length - created.length,
  });
}
