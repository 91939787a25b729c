// Next.js calls register() once when a server starts. Traces leave the app only when
// OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise no SDK is loaded and src/core's
// @opentelemetry/api calls stay no-ops. Only the Node.js runtime: every route here runs on it.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs" || !process.env.OTEL_EXPORTER_OTLP_ENDPOINT) return;
  const { startNodeTracing } = await import("./server/telemetry/node-tracing.ts");
  startNodeTracing();
}
