-- Self-service sign-up: every new account is a creator with a tenant of its own.
--
-- RLS and the server trust only app_metadata (role, creator_id); a person signing up can
-- write user_metadata and nothing else. So the role and the tenant are assigned here, in
-- the database, for every row inserted into auth.users by any path (GoTrue's /signup, its
-- admin API, the dashboard, SQL, the local stand-in). Whatever the insert carried in
-- role or creator_id is replaced: no insert makes an admin, and no one can claim another
-- creator's tenant. Admins are made afterwards by an UPDATE of app_metadata, which only
-- the service role or the database owner can do (GoTrue's admin createUser does exactly
-- that: it inserts, then writes the app_metadata it was given).
--
-- BEFORE INSERT, so the row is right when it is first written: GoTrue reloads the user
-- after its insert ("there may be triggers ... that will modify the user data") and the
-- local stand-in signs the token from the row its INSERT ... RETURNING gives back, so the
-- first access token already carries the creator id.
--
-- Not security definer: it reads and writes only NEW. On hosted Supabase the inserting
-- role is supabase_auth_admin, which may fire a trigger without EXECUTE on its function.
create function public.assign_new_user_creator() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.raw_app_meta_data :=
    case when jsonb_typeof(new.raw_app_meta_data) = 'object' then new.raw_app_meta_data else '{}'::jsonb end
    || jsonb_build_object('role', 'creator', 'creator_id', gen_random_uuid());
  return new;
end;
$$;

revoke execute on function public.assign_new_user_creator() from public, anon, authenticated;

create trigger assign_new_user_creator
  before insert on auth.users
  for each row execute function public.assign_new_user_creator();
