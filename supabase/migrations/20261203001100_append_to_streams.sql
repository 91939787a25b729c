-- Group commit of event-store appends: several appends from concurrent callers written in
-- one transaction (one commit, one WAL flush), each with its own outcome. Measured
-- (docs/BENCHMARKS.md, issue 14): half of a single append's backend CPU is its commit.
--
-- p_appends: [{creator_id, aggregate_id, aggregate_type, expected, events, idempotency_key,
--              metadata}], each exactly as append_to_stream takes its arguments.
--
-- Each append runs append_to_stream in a block of its own (a subtransaction): a version
-- conflict, another creator's stream, or rows the database refuses undo that append alone
-- and come back as its error (SQLSTATE, message, detail), never failing its neighbours.
-- Appends run in aggregate_id order, then arrival order (so one stream's appends keep theirs):
-- concurrent batches lock streams in the same order and cannot deadlock on each other.
-- The caller keeps a batch at most 32 appends: past 64 subtransactions with writes in one
-- transaction, every snapshot taken meanwhile gets slower (the subxid cache overflows).
create function public.append_to_streams(p_appends jsonb)
returns table (ordinal integer, event_id uuid, event_position bigint, event_version bigint, duplicate boolean,
               error_code text, error_message text, error_detail text)
language plpgsql
set search_path = ''
as $$
declare
  append record;
  failed_code text;
  failed_message text;
  failed_detail text;
begin
  for append in
    select a.ordinality::integer as ord, a.value as v
      from jsonb_array_elements(p_appends) with ordinality a
     order by a.value ->> 'aggregate_id', a.ordinality
  loop
    begin
      return query
        select append.ord, r.event_id, r.event_position, r.event_version, r.duplicate, null::text, null::text, null::text
          from public.append_to_stream(
                 (append.v ->> 'creator_id')::uuid, append.v ->> 'aggregate_id', append.v ->> 'aggregate_type',
                 append.v ->> 'expected', append.v -> 'events', append.v ->> 'idempotency_key', append.v -> 'metadata') r;
    exception when others then
      get stacked diagnostics failed_code = returned_sqlstate, failed_message = message_text, failed_detail = pg_exception_detail;
      return query select append.ord, null::uuid, null::bigint, null::bigint, null::boolean, failed_code, failed_message, failed_detail;
    end;
  end loop;
end;
$$;

revoke execute on function public.append_to_streams(jsonb) from public, anon, authenticated;
grant execute on function public.append_to_streams(jsonb) to service_role;
