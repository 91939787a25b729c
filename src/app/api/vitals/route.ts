import { vitalsPageOf, webVitalsBodySchema } from "@/core/observability/web-vitals.ts";
import { ApiError } from "@/server/auth/api-error.ts";
import { withSignedInUser } from "@/server/auth/signed-in-route.ts";
import { readJsonBody } from "@/server/auth/write-guard.ts";
import { databaseClient } from "@/server/database.ts";

// POST /api/vitals - Core Web Vitals measured in this signed-in browser, for the operator's metrics
export const POST = withSignedInUser(async ({ request }) => {
  const body = webVitalsBodySchema.safeParse(await readJsonBody(request));
  if (!body.success) throw new ApiError("bad_request", "Send { samples: [{ metric: LCP|INP|CLS|FCP|TTFB, value, path }], formFactor: phone|desktop }");
  const rows = body.data.samples.map((sample) => ({ page: vitalsPageOf(sample.path), metric: sample.metric, value: sample.value, form_factor: body.data.formFactor }));
  const sql = databaseClient();
  await sql`insert into public.web_vitals_samples ${sql(rows, "page", "metric", "value", "form_factor")}`;
  return new Response(null, { status: 204 });
});
