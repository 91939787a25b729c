import { checkHealth } from "@/server/health.ts";
import { log } from "@/server/log.ts";

// GET /api/health - database and migration state
export async function GET(): Promise<Response> {
  try {
    const report = await checkHealth();
    return Response.json(report, {
      status: report.status === "down" ? 503 : 200,
      headers: { "Cache-Control": "no-store" },
    });
  } catch (error) {
    log.error("request failed", { route: "GET /api/health", error });
    return Response.json(
      { error: { code: "internal_error", message: "Health check failed" } },
      { status: 500, headers: { "Cache-Control": "no-store" } },
    );
  }
}
