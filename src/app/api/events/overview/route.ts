import { databaseClient } from "@/server/database.ts";
import { readEventStoreOverview } from "@/server/event-store-overview.ts";

// GET /api/events/overview - event counts per type and the latest events, polled by the live page
export async function GET(): Promise<Response> {
  try {
    const overview = await readEventStoreOverview(databaseClient());
    return Response.json(overview, { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    console.error("GET /api/events/overview failed", error);
    return Response.json(
      { error: { code: "database_unavailable", message: "The event store cannot be read right now" } },
      { status: 503, headers: { "Cache-Control": "no-store" } },
    );
  }
}
