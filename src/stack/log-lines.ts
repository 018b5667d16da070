const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const HIDDEN_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);

/**
 * Formats one pino JSON line for a terminal: `[worker] INFO attempt succeeded deliveryId=…`.
 * Lines that are not pino JSON pass through with the prefix only.
 */
export function formatLogLine(prefix: string, line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line);
  } catch {
    return `[${prefix}] ${line}`;
  }
  if (typeof record !== 'object' || record === null || !('msg' in record))
    return `[${prefix}] ${line}`;

  const level = LEVELS[Number(record.level)] ?? 'INFO';
  const fields = Object.entries(record)
    .filter(([key]) => !HIDDEN_FIELDS.has(key))
    .map(
      ([key, value]) =>
        `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
    );
  return [`[${prefix}]`, level.padEnd(5), String(record.msg), ...fields].join(' ');
}
