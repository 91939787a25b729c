-- Hosted Supabase: pg_cron calls the process-events Edge Function every few seconds
-- (through pg_net) and maintains the event store's partitions daily. A no-op where the
-- extensions are absent (the local stack, whose scheduler does the same from Node).
--
-- Before this runs on a hosted project, keep the function URL and the service-role key
-- in Vault (Dashboard > Project Settings > Vault, or SQL):
--   select vault.create_secret('https://<project-ref>.supabase.co', 'project_url');
--   select vault.create_secret('<service role key>', 'service_role_key');
do $outer$
begin
  if not exists (select 1 from pg_available_extensions where name = 'pg_cron')
     or not exists (select 1 from pg_available_extensions where name = 'pg_net') then
    raise notice 'pg_cron or pg_net not available: event processing is scheduled by the local stack';
    return;
  end if;
  create extension if not exists pg_cron;
  create extension if not exists pg_net;

  perform cron.schedule('process-events', '5 seconds', $job$
    select net.http_post(
      url := (select decrypted_secret from vault.decrypted_secrets where name = 'project_url') || '/functions/v1/process-events?budget_ms=4500',
      headers := jsonb_build_object(
        'Content-Type', 'application/json',
        'Authorization', 'Bearer ' || (select decrypted_secret from vault.decrypted_secrets where name = 'service_role_key')),
      body := '{}'::jsonb,
      timeout_milliseconds := 10000)
  $job$);
  perform cron.schedule('maintain-event-store-partitions', '17 3 * * *',
    $job$ select public.maintain_event_store_partitions(3) $job$);
end
$outer$;
