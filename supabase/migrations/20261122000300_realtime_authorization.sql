-- Who may use which private Realtime topic. Realtime evaluates these policies on
-- realtime.messages with the joining user's JWT claims (realtime.topic() names the
-- topic): a visible row grants read, an allowed insert grants write. Policies only:
-- hosted Supabase owns the table itself.

drop policy if exists "creators receive their own topic" on realtime.messages;
create policy "creators receive their own topic" on realtime.messages
  for select to authenticated
  using (
    realtime.messages.extension in ('broadcast', 'presence')
    and (select realtime.topic()) = 'creator:' || ((select auth.jwt()) -> 'app_metadata' ->> 'creator_id')
  );

drop policy if exists "creators send to their own topic" on realtime.messages;
create policy "creators send to their own topic" on realtime.messages
  for insert to authenticated
  with check (
    realtime.messages.extension in ('broadcast', 'presence')
    and (select realtime.topic()) = 'creator:' || ((select auth.jwt()) -> 'app_metadata' ->> 'creator_id')
  );

-- Admins watch any creator's live feed (support, conflict resolution) but do not
-- publish into it.
drop policy if exists "admins receive every creator topic" on realtime.messages;
create policy "admins receive every creator topic" on realtime.messages
  for select to authenticated
  using (
    realtime.messages.extension in ('broadcast', 'presence')
    and (select realtime.topic()) like 'creator:%'
    and ((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'admin'
  );
