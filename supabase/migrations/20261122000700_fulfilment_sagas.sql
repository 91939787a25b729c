-- The order fulfilment saga's state, one row per order: the step it is at, what each
-- completed step produced (payment reference, label), why it waits, and its failure.
-- Written after every step so a crashed run resumes where it stopped; `version` makes
-- every write a compare-and-set, so two runners of one saga never overwrite each other.

create table public.fulfilment_sagas (
  creator_id uuid not null,
  order_id text not null,
  status text not null check (status in ('running', 'waiting', 'compensating', 'completed', 'failed', 'cancelled')),
  -- The step to run next (or being run); 'done' once the order shipped.
  step text not null check (step in ('validate', 'allocate', 'pay', 'label', 'ship', 'done')),
  waiting_for text check (waiting_for in ('payment', 'hold_release', 'retry')),
  correlation_id uuid not null,
  -- The event that triggers the next step: its id becomes that step's causation id.
  cause_event_id uuid not null,
  progress jsonb not null default '{}'::jsonb,
  attempts integer not null default 0,
  last_error text,
  next_attempt_at timestamptz,
  failure jsonb,
  alerted_at timestamptz,
  version integer not null default 1,
  started_at timestamptz not null,
  updated_at timestamptz not null,
  finished_at timestamptz,
  primary key (creator_id, order_id)
);

-- What the scheduler looks for: sagas waiting for a retry, or interrupted mid-run.
create index fulfilment_sagas_open_idx on public.fulfilment_sagas (updated_at)
  where status in ('running', 'waiting', 'compensating');
create index fulfilment_sagas_order_idx on public.fulfilment_sagas (order_id);

alter table public.fulfilment_sagas enable row level security;

create policy "creators read their own sagas" on public.fulfilment_sagas
  for select to authenticated using (creator_id = (select public.requesting_creator_id()));
create policy "admins read every saga" on public.fulfilment_sagas
  for select to authenticated using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');

revoke all on public.fulfilment_sagas from anon, authenticated;
grant select on public.fulfilment_sagas to authenticated;
grant all on public.fulfilment_sagas to service_role;
