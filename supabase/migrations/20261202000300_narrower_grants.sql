-- Narrower grants: what the anon and authenticated roles may touch is what the app needs and
-- nothing else. Supabase's default privileges give both roles everything on every new table,
-- sequence and function in public; each migration revokes per table, but sequences slipped
-- through (anyone signed in could setval() the event store's positions).

revoke all on all sequences in schema public from anon, authenticated;

-- From here on a new object in public grants nothing to anon or authenticated until a
-- migration says so (hosted and local run migrations as the same role, postgres).
alter default privileges in schema public revoke all on tables from anon, authenticated;
alter default privileges in schema public revoke all on sequences from anon, authenticated;
alter default privileges in schema public revoke execute on functions from anon, authenticated;

-- A trigger function cannot be called directly, but nothing outside the owner needs it either.
revoke execute on function public.wake_event_processing() from public, anon, authenticated;

-- Realtime topics. A policy must look at the row's own topic as well as the caller-set
-- realtime.topic(): the latter alone let a session that set its topic to its own read every
-- row of realtime.messages. No client publishes (deltas come from the database through
-- realtime.send as the owner), so creators get no insert policy: nobody can push fake
-- deltas into a feed an admin is watching.
drop policy if exists "creators send to their own topic" on realtime.messages;

drop policy if exists "creators receive their own topic" on realtime.messages;
create policy "creators receive their own topic" on realtime.messages
  for select to authenticated
  using (
    realtime.messages.extension in ('broadcast', 'presence')
    and realtime.messages.topic = (select realtime.topic())
    and (select realtime.topic()) = 'creator:' || ((select auth.jwt()) -> 'app_metadata' ->> 'creator_id')
  );

drop policy if exists "admins receive every creator topic" on realtime.messages;
create policy "admins receive every creator topic" on realtime.messages
  for select to authenticated
  using (
    realtime.messages.extension in ('broadcast', 'presence')
    and realtime.messages.topic = (select realtime.topic())
    and (select realtime.topic()) like 'creator:%'
    and ((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'admin'
  );
