// The functions gateway turns on Deno's built-in OpenTelemetry exactly when an OTLP endpoint is configured.
import { describe, expect, it } from "vitest";
import { functionTelemetryEnv } from "../../../supabase/local/stand-in/function-processes.ts";

describe("functionTelemetryEnv", () => {
  it("adds nothing without OTEL_EXPORTER_OTLP_ENDPOINT, whatever else is set", () => {
    expect(functionTelemetryEnv({ OTEL_SERVICE_NAME: "app", OTEL_DENO: "true" }, "tiktok-webhook")).toEqual({});
    expect(functionTelemetryEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "" }, "tiktok-webhook")).toEqual({});
  });

  it("turns Deno's OpenTelemetry on with an endpoint, naming the service after the function", () => {
    expect(functionTelemetryEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" }, "process-events")).toEqual({ OTEL_DENO: "true", OTEL_SERVICE_NAME: "process-events" });
  });

  it("leaves an explicit OTEL_DENO or OTEL_SERVICE_NAME as it is", () => {
    expect(functionTelemetryEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_DENO: "false", OTEL_SERVICE_NAME: "creatorflow" }, "process-events")).toEqual({
      OTEL_DENO: "false",
      OTEL_SERVICE_NAME: "creatorflow",
    });
  });
});
