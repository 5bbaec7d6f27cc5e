// Aligned text tables in the style of `gobgp neighbor` / `gobgp global rib`.

export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number> = new Set()): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells
    .map((c, i) => (i === cells.length - 1 && !rightAligned.has(i) ? c : rightAligned.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
    .join('  ')
    .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Uptime like gobgp: "00:04:12", or "3d 04:02:11" past a day; "never" for 0 when not up. */
export function formatUptime(seconds: number): string {
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const hh = String(Math.floor((s % 86400) / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${d > 0 ? `${d}d ` : ''}${hh}:${mm}:${ss}`;
}
