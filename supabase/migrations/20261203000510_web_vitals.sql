-- Core Web Vitals from real sessions (LCP, INP, CLS, and FCP/TTFB for context), reported by
-- signed-in browsers through POST /api/vitals, so the operator sees mobile performance in
-- /api/metrics (p75 per page and form factor over the last hour, as the CrUX reports read it).
-- No user or creator is stored: a sample is a page, a metric, a value and a form factor.
create table public.web_vitals_samples (
  id bigint generated always as identity primary key,
  page text not null check (page in ('dashboard', 'onboarding', 'admin', 'sign-in', 'other')),
  metric text not null check (metric in ('LCP', 'INP', 'CLS', 'FCP', 'TTFB')),
  -- Milliseconds, or the unitless layout-shift score for CLS.
  value double precision not null check (value >= 0 and value < 600000),
  form_factor text not null check (form_factor in ('phone', 'desktop')),
  recorded_at timestamptz not null default now()
);
create index web_vitals_samples_recent_idx on public.web_vitals_samples (recorded_at);

alter table public.web_vitals_samples enable row level security;
revoke all on public.web_vitals_samples from anon, authenticated;
grant all on public.web_vitals_samples to service_role;

-- Bounded growth: the metrics read the last hour; a week is kept for investigations.
select cron.schedule('prune-web-vitals', '47 * * * *', $job$ delete from public.web_vitals_samples where recorded_at < now() - interval '7 days' $job$);
