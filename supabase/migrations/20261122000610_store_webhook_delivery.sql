-- Stores one verified delivery in one round trip: the inbox row first (its unique key
-- makes concurrent copies wait for the first and then find it), then the appends, then
-- the inbox row's outcome. p_appends: [{aggregate_id, aggregate_type, expected, events}],
-- each as append_to_stream takes it. A version conflict (CF409) rolls all of it back.
create or replace function public.store_webhook_delivery(
  p_dedupe_key text,
  p_notification_type integer,
  p_shop_id text,
  p_creator_id uuid,
  p_raw_body bytea,
  p_status text,
  p_reason text,
  p_appends jsonb
) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  inbox_id uuid;
  append jsonb;
  appended uuid[] := '{}';
begin
  insert into public.webhook_inbox (dedupe_key, notification_type, shop_id, creator_id, raw_body, status, reason)
  values (p_dedupe_key, p_notification_type, p_shop_id, p_creator_id, p_raw_body, p_status, p_reason)
  on conflict (dedupe_key) do nothing
  returning id into inbox_id;
  if inbox_id is null then
    return jsonb_build_object('duplicate', true);
  end if;

  for append in select value from jsonb_array_elements(coalesce(p_appends, '[]'::jsonb)) loop
    appended := appended || array(
      select a.event_id from public.append_to_stream(
        p_creator_id, append ->> 'aggregate_id', append ->> 'aggregate_type', append ->> 'expected', append -> 'events'
      ) a order by a.event_version);
  end loop;

  if cardinality(appended) > 0 then
    update public.webhook_inbox set event_ids = appended where id = inbox_id;
  end if;
  return jsonb_build_object('duplicate', false, 'inbox_id', inbox_id, 'event_ids', to_jsonb(appended));
end;
$$;

revoke execute on function public.store_webhook_delivery(text, integer, text, uuid, bytea, text, text, jsonb) from public, anon, authenticated;
grant execute on function public.store_webhook_delivery(text, integer, text, uuid, bytea, text, text, jsonb) to service_role;
