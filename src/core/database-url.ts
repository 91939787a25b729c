// What a Postgres connection string says about how to talk to it; shared by every runtime
// that connects (Next.js, the Edge Functions, the test workers).

/** Supavisor's transaction-mode port: connections are shared between clients, so named prepared statements break. */
const TRANSACTION_POOLER_PORT = "6543";

export function usesTransactionPooler(url: string): boolean {
  try {
    return new URL(url).port === TRANSACTION_POOLER_PORT;
  } catch {
    return false;
  }
}
