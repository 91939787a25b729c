-- Local-only stand-ins for the hosted extensions the migrations use: pg_net, pg_cron and
-- Vault. Same schemas, tables and function signatures as the real ones (the parts this
-- project calls), so one migration runs in both places; the work their background
-- workers do is done by supabase/local/stand-in/database-workers.ts. Idempotent.

-- pg_net: net.http_post() queues a row inside the caller's transaction, and net.wake()
-- rouses the worker when that transaction commits (pg_net sets its worker's latch from a
-- commit callback; a NOTIFY is likewise delivered only at commit, never on rollback).
create schema if not exists net;

create unlogged table if not exists net.http_request_queue (
  id bigserial,
  method text not null check (method in ('GET', 'POST', 'DELETE')),
  url text not null,
  headers jsonb,
  body bytea,
  timeout_milliseconds int not null
);

create unlogged table if not exists net._http_response (
  id bigint,
  status_code integer,
  content_type text,
  headers jsonb,
  content text,
  timed_out bool,
  error_msg text,
  created timestamptz not null default now()
);
create index if not exists _http_response_created_idx on net._http_response (created);

create or replace function net.wake() returns void
language sql
as $$ select pg_notify('pg_net_wake', '') $$;

create or replace function net.http_post(
  url text,
  body jsonb default '{}'::jsonb,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
  timeout_milliseconds int default 5000
) returns bigint
language plpgsql
as $$
declare
  request_id bigint;
  query text;
begin
  if not exists (select 1 from jsonb_each_text(coalesce(headers, '{}')) h where lower(h.key) = 'content-type') then
    headers := coalesce(headers, '{}') || '{"Content-Type": "application/json"}'::jsonb;
  end if;
  select string_agg(format('%s=%s', p.key, p.value), '&') into query from jsonb_each_text(coalesce(params, '{}')) p;
  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values ('POST', case when query is null then url else url || '?' || query end, headers, convert_to(body::text, 'UTF8'), timeout_milliseconds)
  returning id into request_id;
  perform net.wake();
  return request_id;
end;
$$;

-- Vault: named secrets, read through vault.decrypted_secrets. The stand-in keeps them in
-- plain text in the local database; hosted Vault encrypts them at rest.
create schema if not exists vault;

create table if not exists vault.secrets (
  id uuid primary key default gen_random_uuid(),
  name text unique,
  description text not null default '',
  secret text not null,
  key_id uuid,
  nonce bytea,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create or replace view vault.decrypted_secrets as
  select id, name, description, secret, secret as decrypted_secret, key_id, nonce, created_at, updated_at
    from vault.secrets;

create or replace function vault.create_secret(new_secret text, new_name text default null, new_description text default '', new_key_id uuid default null)
returns uuid
language sql
as $$
  insert into vault.secrets (secret, name, description, key_id)
  values (new_secret, new_name, coalesce(new_description, ''), new_key_id)
  returning id
$$;

create or replace function vault.update_secret(secret_id uuid, new_secret text default null, new_name text default null, new_description text default null, new_key_id uuid default null)
returns void
language sql
as $$
  update vault.secrets
     set secret = coalesce(new_secret, secret), name = coalesce(new_name, name),
         description = coalesce(new_description, description), updated_at = now()
   where id = secret_id
$$;

revoke all on schema vault, net from anon, authenticated;

-- pg_cron: cron.schedule() upserts a job by name; the stand-in's worker runs each active
-- job's command when its schedule falls due ('N seconds', or five cron fields, in UTC).
create schema if not exists cron;

create table if not exists cron.job (
  jobid bigserial primary key,
  schedule text not null,
  command text not null,
  nodename text not null default 'localhost',
  nodeport int not null default 5432,
  database text not null default current_database(),
  username text not null default current_user,
  active boolean not null default true,
  jobname text unique
);

create table if not exists cron.job_run_details (
  jobid bigint,
  runid bigserial primary key,
  job_pid integer,
  database text,
  username text,
  command text,
  status text,
  return_message text,
  start_time timestamptz,
  end_time timestamptz
);

create or replace function cron.schedule(job_name text, schedule text, command text) returns bigint
language sql
as $$
  insert into cron.job (jobname, schedule, command) values (job_name, schedule, command)
  on conflict (jobname) do update set schedule = excluded.schedule, command = excluded.command, active = true
  returning jobid
$$;

create or replace function cron.unschedule(job_name text) returns boolean
language plpgsql
as $$
begin
  delete from cron.job where jobname = job_name;
  if not found then
    raise exception 'could not find valid entry for job ''%''', job_name;
  end if;
  return true;
end;
$$;

revoke all on schema cron from anon, authenticated;

-- Housekeeping of the local Auth and Realtime stand-ins. Hosted Supabase does its own (Auth
-- deletes refresh tokens a day after they were revoked; Realtime drops message partitions
-- after a few days), so this job exists only here.
create or replace function auth.prune_local_stand_in() returns void
language sql
set search_path = ''
as $$
  delete from auth.refresh_tokens where revoked and updated_at < now() - interval '24 hours';
  delete from auth.sessions where coalesce(refreshed_at::timestamptz, updated_at) < now() - interval '30 days';
  delete from realtime.messages where inserted_at < (now() at time zone 'utc') - interval '1 day';
$$;
select cron.schedule('prune-local-stand-in', '41 * * * *', $job$ select auth.prune_local_stand_in() $job$);
