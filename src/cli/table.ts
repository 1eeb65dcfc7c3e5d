// Aligned text columns for the readable output of a read (beliefs): each column as wide as
// its widest cell, right-aligned (numbers) or left-aligned (words). The last column is never
// padded, so one long value (an object's JSON) runs on without widening the others.

export type Align = 'left' | 'right';

/** The rows as lines, columns two spaces apart, each line after `indent`, with no trailing spaces. */
export function formatTable(rows: ReadonlyArray<readonly string[]>, align: readonly Align[], indent = ''): string[] {
  const widths = align.map((_, column) => Math.max(0, ...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => {
    const cells = align.map((side, column) => {
      const cell = row[column] ?? '';
      if (column === align.length - 1) return cell;
      return side === 'right' ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!);
    });
    return `${indent}${cells.join('  ')}`.trimEnd();
  });
}

/** A number for people: whole numbers as they are, others to at most three decimals (--json has them exactly). */
export function formatAmount(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const rounded = value.toFixed(3).replace(/0+$/, '').replace(/\.$/, '');
  // A small value that rounds to 0 would read as "none": show that it is not.
  return rounded === '0' || rounded === '-0' ? (value > 0 ? '<0.001' : '>-0.001') : rounded;
}

/** A fraction from 0 to 1 as a percentage with one decimal: 0.4615… is "46.2%". */
export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}
