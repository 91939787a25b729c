// The project URL and public key, read as literal `process.env.NEXT_PUBLIC_*` references so
// Next.js inlines them into the browser bundle at build time. Hosted projects may hand out a
// publishable key instead of the legacy anon key; either works.
export function supabaseUrl(): string {
  const url = process.env.NEXT_PUBLIC_SUPABASE_URL;
  if (!url) throw new Error("NEXT_PUBLIC_SUPABASE_URL is not set (npm run dev writes it to .env.local)");
  return url;
}

export function supabasePublicKey(): string {
  const key = process.env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY ?? process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY;
  if (!key) throw new Error("NEXT_PUBLIC_SUPABASE_ANON_KEY is not set (npm run dev writes it to .env.local)");
  return key;
}
