-- The shop cipher TikTok's API wants with every call about a shop (not a secret). Access
-- tokens are secrets and stay out of tables: they come from the environment (Vault on hosted).
alter table public.tiktok_shops add column if not exists shop_cipher text;
