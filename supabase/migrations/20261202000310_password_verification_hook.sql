-- Per-account sign-in throttling as a Supabase Auth Hook ("Password Verification Attempt",
-- config.toml [auth.hook.password_verification_attempt]): Auth calls it after checking a
-- password with { user_id, valid }. Five failures within 15 minutes lock the account's
-- password sign-in until the window passes, whatever the next password; a success resets the
-- count. Per-IP limits are Auth's own ([auth.rate_limit] sign_in_sign_ups). The local stand-in
-- calls this same function the way Auth does.

create table public.password_sign_in_failures (
  user_id uuid primary key,
  failures integer not null check (failures > 0),
  first_failed_at timestamptz not null,
  last_failed_at timestamptz not null
);
alter table public.password_sign_in_failures enable row level security;
revoke all on public.password_sign_in_failures from anon, authenticated;

create or replace function public.hook_password_verification_attempt(event jsonb) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  attempt_user uuid := (event ->> 'user_id')::uuid;
  window_length constant interval := interval '15 minutes';
  max_failures constant integer := 5;
  recorded public.password_sign_in_failures;
begin
  delete from public.password_sign_in_failures
   where user_id = attempt_user and first_failed_at < now() - window_length;
  select * into recorded from public.password_sign_in_failures where user_id = attempt_user for update;

  if recorded.failures >= max_failures then
    return jsonb_build_object(
      'decision', 'reject',
      'message', 'Too many failed sign-ins. Wait 15 minutes, then try again.',
      'should_logout_user', false);
  end if;

  if (event ->> 'valid')::boolean then
    delete from public.password_sign_in_failures where user_id = attempt_user;
  else
    insert into public.password_sign_in_failures (user_id, failures, first_failed_at, last_failed_at)
    values (attempt_user, 1, now(), now())
    on conflict (user_id) do update
      set failures = public.password_sign_in_failures.failures + 1, last_failed_at = now();
  end if;
  return jsonb_build_object('decision', 'continue');
end;
$$;

revoke execute on function public.hook_password_verification_attempt(jsonb) from public, anon, authenticated;
grant execute on function public.hook_password_verification_attempt(jsonb) to supabase_auth_admin;
grant all on public.password_sign_in_failures to supabase_auth_admin;
