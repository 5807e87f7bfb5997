/**
 * Registers an OTLP/HTTP trace exporter (Node only). Called by the Node entry when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set; the SDK then reads the standard OTEL_* variables itself
 * (headers, service name, sampler). Loaded lazily so an untraced server never imports the SDK.
 */
export async function registerOtlpTracing(serviceName: string): Promise<() => Promise<void>> {
  const [{ NodeTracerProvider }, { BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import("@opentelemetry/sdk-trace-node"),
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
  ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // Also installs the W3C trace-context propagator and the async-hooks context manager.
  provider.register();
  return () => provider.shutdown();
}
