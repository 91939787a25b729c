import styles from "@/app/admin/admin.module.css";

/** What a signed-in creator sees at /admin/*: the same refusal the admin APIs answer with a 403. */
export function ForbiddenPage() {
  return (
    <main id="main" className={styles.forbidden} data-testid="admin-forbidden">
      <h1>403 — Admins only</h1>
      <p role="alert">Your account cannot open the admin panel. If you need help with your shop, open your dashboard or contact support.</p>
      <p>
        <a href="/dashboard">Go to your dashboard</a>
      </p>
    </main>
  );
}
