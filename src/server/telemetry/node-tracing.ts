// The OpenTelemetry Node SDK for the Next.js server: W3C trace context on incoming requests,
// Next.js's own spans for each route, and those of src/core (webhook, appends), exported over
// OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (protocol, headers, sampler and batch settings from
// the standard OTEL_* variables). Traces only: metrics are Prometheus (/api/metrics) and logs
// are JSON lines on stdout, so the SDK starts no metric reader and no log processor.
import { NodeSDK } from "@opentelemetry/sdk-node";

export function startNodeTracing(): void {
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? "creatorflow-app",
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
}
