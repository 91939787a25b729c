-- Stores one verified delivery in one round trip. The inbox row goes first, already
-- naming the events it produces (their ids are made by the caller): its unique key makes
-- concurrent copies wait for the first and then find it. Then the appends. p_appends:
-- [{aggregate_id, aggregate_type, expected, events}], each as append_to_stream takes it;
-- a version conflict (CF409) rolls all of it back.
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
begin
  insert into public.webhook_inbox (dedupe_key, notification_type, shop_id, creator_id, raw_body, status, reason, event_ids)
  values (
    p_dedupe_key, p_notification_type, p_shop_id, p_creator_id, p_raw_body, p_status, p_reason,
    array(select (e.value ->> 'id')::uuid
            from jsonb_array_elements(coalesce(p_appends, '[]'::jsonb)) a,
                 jsonb_array_elements(a.value -> 'events') e)
  )
  on conflict (dedupe_key) do nothing
  returning id into inbox_id;
  if inbox_id is null then
    return jsonb_build_object('duplicate', true);
  end if;

  for append in select value from jsonb_array_elements(coalesce(p_appends, '[]'::jsonb)) loop
    perform public.append_to_stream(
      p_creator_id, append ->> 'aggregate_id', append ->> 'aggregate_type', append ->> 'expected', append -> 'events');
  end loop;
  return jsonb_build_object('duplicate', false, 'inbox_id', inbox_id);
end;
$$;

revoke execute on function public.store_webhook_delivery(text, integer, text, uuid, bytea, text, text, jsonb) from public, anon, authenticated;
grant execute on function public.store_webhook_delivery(text, integer, text, uuid, bytea, text, text, jsonb) to service_role;
