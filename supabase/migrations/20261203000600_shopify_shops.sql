-- Shopify, the second channel: the stores creators connect through Shopify's OAuth, which
-- SKU each store's inventory items are, and the one-time states of the connect flow.
-- Webhook deliveries go to the same inbox as TikTok's (webhook_inbox), keyed
-- `shopify:<X-Shopify-Webhook-Id>`, with the store's domain as shop_id.

create table public.shopify_shops (
  shop_domain text primary key check (shop_domain ~ '^[a-z0-9][a-z0-9-]*\.myshopify\.com$'),
  creator_id uuid not null,
  -- Sealed with the same key and scheme as TikTok's tokens (src/core/shops/token-encryption.ts); never logged.
  access_token_sealed text,
  scopes text[] not null default '{}',
  -- The location whose `available` quantity is the creator's pool on this store (a gid).
  location_id text,
  connection_status text not null default 'connected' check (connection_status in ('connected', 'uninstalled')),
  -- Optional allocation: units kept back from this store, and the most it is ever shown.
  stock_buffer integer not null default 0 check (stock_buffer >= 0),
  stock_cap integer check (stock_cap >= 0),
  connected_at timestamptz not null default now(),
  uninstalled_at timestamptz
);
create index shopify_shops_creator_idx on public.shopify_shops (creator_id);

-- Shopify's webhooks and stock API name inventory items, not SKUs.
create table public.shopify_inventory_items (
  shop_domain text not null references public.shopify_shops (shop_domain) on delete cascade,
  inventory_item_id text not null check (inventory_item_id ~ '^[0-9]{1,30}$'),
  sku_id text not null,
  primary key (shop_domain, inventory_item_id),
  unique (shop_domain, sku_id)
);

-- The same shape as tiktok_oauth_states (src/core/shops/connect-states.ts serves both).
create table public.shopify_oauth_states (
  state_hash text primary key,
  user_id uuid not null,
  creator_id uuid not null,
  session_id text,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz
);
create index shopify_oauth_states_expiry_idx on public.shopify_oauth_states (expires_at);

alter table public.shopify_shops enable row level security;
alter table public.shopify_inventory_items enable row level security;
alter table public.shopify_oauth_states enable row level security;
create policy "creators read their own Shopify stores" on public.shopify_shops
  for select to authenticated using (creator_id = (select public.requesting_creator_id()));
create policy "admins read every Shopify store" on public.shopify_shops
  for select to authenticated using ((select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');
revoke all on public.shopify_shops, public.shopify_inventory_items, public.shopify_oauth_states from anon, authenticated;
-- The sealed token never reaches a browser: creators read every column but it.
grant select (shop_domain, creator_id, scopes, location_id, connection_status, stock_buffer, stock_cap, connected_at, uninstalled_at)
  on public.shopify_shops to authenticated;
grant all on public.shopify_shops, public.shopify_inventory_items, public.shopify_oauth_states to service_role;

select cron.schedule('purge-shopify-oauth-states', '29 * * * *',
  $job$ delete from public.shopify_oauth_states where expires_at < now() - interval '1 day' $job$);
