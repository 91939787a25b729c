import type { ReactNode } from "react";

export interface TableColumn {
  label: ReactNode;
  /** Right-aligned, tabular figures. */
  numeric?: boolean;
}

/**
 * A table that scrolls sideways inside its own region on narrow screens, never the page;
 * the region is focusable so keyboards can scroll it too. Columns left out (null) are skipped.
 */
export function ScrollingTable({
  labelledBy,
  label,
  columns,
  tableClassName,
  testId,
  caption,
  children,
}: {
  labelledBy?: string;
  label?: string;
  columns: (TableColumn | null)[];
  tableClassName?: string;
  testId?: string;
  caption?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="table-scroll" role="region" aria-labelledby={labelledBy} aria-label={label} tabIndex={0}>
      <table className={tableClassName} data-testid={testId}>
        {caption}
        <thead>
          <tr>
            {columns.flatMap((column, index) =>
              column ? [
                <th key={index} scope="col" className={column.numeric ? "numeric" : undefined}>
                  {column.label}
                </th>,
              ] : [],
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
