/**
 * Tracing through `@opentelemetry/api` only: with no SDK registered (the default) every call here
 * is a no-op on a non-recording span, so tracing costs nothing measurable when off.
 */
import { type Attributes, context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";

export const tracer = trace.getTracer("switchboard");

/** Runs `fn` in a child span of the active one; records an exception and rethrows. */
export async function withSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn();
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Sets attributes on the active span (the tool call's, inside a handler). */
export function annotate(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}

/** Runs `fn` in a server span continuing the caller's trace from `traceparent`/`tracestate`. */
export function withIncomingTrace<T>(name: string, header: (name: string) => string | undefined, fn: () => Promise<T>): Promise<T> {
  const parent = propagation.extract(context.active(), undefined, {
    get: (_carrier, key) => header(key),
    keys: () => ["traceparent", "tracestate"],
  });
  return context.with(parent, () =>
    tracer.startActiveSpan(name, { kind: SpanKind.SERVER }, async (span) => {
      try {
        return await fn();
      } finally {
        span.end();
      }
    }),
  );
}
