/** Prints one line to stdout. */
export function print(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Prints the header line of a phase. */
export function printPhase(title: string): void {
  print();
  print(`== ${title} ==`);
}

/** A table column: its header and width in characters. */
export interface Column {
  header: string;
  width: number;
}

/** Formats one table row, padding every cell but the last to its column's width. */
export function formatRow(columns: readonly Column[], cells: readonly string[]): string {
  const padded = cells.map((cell, index) =>
    index === cells.length - 1 ? cell : cell.padEnd(columns[index]?.width ?? cell.length),
  );
  return `  ${padded.join('  ')}`;
}

/** Formats the header row of a table. */
export function formatHeader(columns: readonly Column[]): string {
  return formatRow(
    columns,
    columns.map((column) => column.header),
  );
}

/** Prints a table whose columns are as wide as their widest cell. */
export function printTable(headers: readonly string[], rows: readonly string[][]): void {
  const columns = headers.map((header, index) => ({
    header,
    width: Math.max(header.length, ...rows.map((row) => row[index]?.length ?? 0)),
  }));
  print(formatHeader(columns));
  for (const row of rows) print(formatRow(columns, row));
}

/** Formats a wall-clock time in local time, with the date only when it is not `today`'s. */
export function formatClock(date: Date, today: Date): string {
  const time = [date.getHours(), date.getMinutes(), date.getSeconds()]
    .map((part) => String(part).padStart(2, '0'))
    .join(':');
  if (date.toDateString() === today.toDateString()) return time;
  const day = [date.getFullYear(), date.getMonth() + 1, date.getDate()]
    .map((part) => String(part).padStart(2, '0'))
    .join('-');
  return `${day} ${time}`;
}

/** Formats a span such as "45 s", "5 min" or "2 h 36 min", rounded to whole seconds or minutes. */
export function formatSpan(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}
