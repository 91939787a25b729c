// The building blocks every admin page is made of, so the pages say only what they show:
// a titled panel, its wide table, a list of labelled ids, and the GET form that filters a page.
import type { ReactNode } from "react";
import { ScrollingTable, type TableColumn } from "@/components/scrolling-table.tsx";
import styles from "@/app/admin/admin.module.css";

/** The id of a panel's heading, which labels the panel and the table inside it. */
const headingIdOf = (panelId: string) => `${panelId}-heading`;

/** A titled panel; its heading (`<panelId>-heading`) labels it for assistive technology. */
export function AdminPanel({ panelId, title, testId, children }: { panelId: string; title: ReactNode; testId?: string; children: ReactNode }) {
  return (
    <section className="panel" aria-labelledby={headingIdOf(panelId)} data-testid={testId}>
      <h2 id={headingIdOf(panelId)}>{title}</h2>
      {children}
    </section>
  );
}

/** The admin pages' wide table, labelled by the heading of the panel it stands in. */
export function AdminTable({ panelId, columns, tableTestId, children }: { panelId: string; columns: (TableColumn | null)[]; tableTestId?: string; children: ReactNode }) {
  return (
    <ScrollingTable labelledBy={headingIdOf(panelId)} tableClassName={styles.wideTable} testId={tableTestId} columns={columns}>
      {children}
    </ScrollingTable>
  );
}

/** A panel holding one wide table, labelled by the panel's heading; `before` stands between the heading and the table. */
export function AdminTablePanel({
  panelId,
  title,
  columns,
  tableTestId,
  before,
  children,
}: {
  panelId: string;
  title: ReactNode;
  columns: (TableColumn | null)[];
  tableTestId?: string;
  before?: ReactNode;
  children: ReactNode;
}) {
  return (
    <AdminPanel panelId={panelId} title={title}>
      {before}
      <AdminTable panelId={panelId} columns={columns} tableTestId={tableTestId}>
        {children}
      </AdminTable>
    </AdminPanel>
  );
}

/** One line of a panel's facts: a label and an identifier in monospace. */
export function IdItem({ label, id }: { label: ReactNode; id: ReactNode }) {
  return (
    <li>
      {label} <span className={styles.mono}>{id}</span>
    </li>
  );
}

/** The GET form that narrows an admin page (its fields are `FilterField`s), with one submit button. */
export function FilterForm({ label, submitLabel, children }: { label: string; submitLabel: string; children: ReactNode }) {
  return (
    <form className={`panel ${styles.filters}`} method="get" aria-label={label}>
      {children}
      <div className={styles.actions}>
        <button type="submit">{submitLabel}</button>
      </div>
    </form>
  );
}

export function FilterField({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className={styles.field}>
      {label}
      {children}
    </label>
  );
}

/** A search parameter's first value. */
export function firstParam(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
