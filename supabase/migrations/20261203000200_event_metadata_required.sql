-- Every event says where it came from (the seed specification's EventMetadata): a source of
-- the four, the creator it belongs to (the row's own), a priority, the service version and
-- the environment that wrote it. The event store checks the full schema before any append
-- (src/core/event-metadata.ts); this constraint is the wall behind it, for every path that
-- writes rows: append_to_stream, the webhook's group commit, and any direct insert.
--
-- Events stored before metadata was required keep what they had (they are upcast on read,
-- src/core/event-store/metadata-upcasting.ts): the constraint exempts every position the
-- sequence had handed out when it was added, so an archived month restored later, or the
-- DEFAULT partition drained into its month, still moves.
do $$
declare
  last_old_position bigint;
begin
  select case when is_called then last_value else 0 end into last_old_position from public.event_store_position_seq;
  execute format($constraint$
    alter table public.event_store add constraint event_store_metadata_says_where_from check (
      position <= %s
      or (coalesce(metadata ->> 'source' in ('tiktok_webhook', 'shopify_webhook', 'admin_panel', 'automated_system', 'api_call'), false)
          and coalesce(lower(metadata ->> 'creator_id') = creator_id::text, false)
          and coalesce(metadata ->> 'priority' in ('critical', 'high', 'normal', 'low'), false)
          and coalesce(length(metadata ->> 'service_version') between 1 and 50, false)
          and coalesce(length(metadata ->> 'environment') between 1 and 50, false))
    ) not valid$constraint$, last_old_position);
end;
$$;

-- Every row satisfies it (the old ones by position): checked without blocking writers.
alter table public.event_store validate constraint event_store_metadata_says_where_from;
