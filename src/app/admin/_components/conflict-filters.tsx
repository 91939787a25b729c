import Link from "next/link";
import styles from "@/app/admin/admin.module.css";

/**
 * The conflict queue's filters, a plain GET form (it works before any script loads): each field
 * starts at what the page was asked for, even a value the query refused, so it can be mended.
 */
export function ConflictFilters({ asked, creators, status }: { asked: Record<string, string>; creators: readonly string[]; status: "open" | "resolved" }) {
  return (
    <form className={`panel ${styles.filters}`} method="get" aria-label="Filter conflicts">
      <label className={styles.field}>
        Creator
        <select name="creator" defaultValue={asked.creator ?? ""}>
          <option value="">All creators</option>
          {creators.map((creator) => (
            <option key={creator} value={creator}>
              {creator}
            </option>
          ))}
        </select>
      </label>
      <label className={styles.field}>
        Product or SKU id
        <input name="product" defaultValue={asked.product ?? ""} inputMode="numeric" autoComplete="off" />
      </label>
      <label className={styles.field}>
        Type
        <select name="type" defaultValue={asked.type ?? ""}>
          <option value="">Any type</option>
          <option value="quantity_mismatch">Quantity mismatch</option>
          <option value="concurrent_update">Concurrent update</option>
          <option value="stale_data">Stale data</option>
        </select>
      </label>
      <label className={styles.field}>
        Older than (minutes)
        <input name="olderThanMinutes" type="number" min={0} defaultValue={asked.olderThanMinutes ?? ""} />
      </label>
      <label className={styles.field}>
        Newer than (minutes)
        <input name="newerThanMinutes" type="number" min={0} defaultValue={asked.newerThanMinutes ?? ""} />
      </label>
      <label className={styles.field}>
        Status
        <select name="status" defaultValue={status}>
          <option value="open">Open</option>
          <option value="resolved">Resolved</option>
        </select>
      </label>
      <div className={styles.actions}>
        <button type="submit">Apply filters</button>
        <Link href="/admin">Clear</Link>
      </div>
    </form>
  );
}
