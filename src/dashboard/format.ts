const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** Formats an instant in the browser's time zone, to the second. */
export function formatTime(iso: string): string {
  return dateTime.format(new Date(iso));
}

/** Formats how long ago an instant was: "just now", "5 min ago", "3 h ago", "2 days ago". */
export function formatAgo(iso: string, now: number): string {
  const elapsed = now - Date.parse(iso);
  if (elapsed < 10 * SECOND) return 'just now';
  if (elapsed < MINUTE) return `${Math.floor(elapsed / SECOND)} s ago`;
  if (elapsed < HOUR) return `${Math.floor(elapsed / MINUTE)} min ago`;
  if (elapsed < DAY) return `${Math.floor(elapsed / HOUR)} h ago`;
  const days = Math.floor(elapsed / DAY);
  return days === 1 ? '1 day ago' : `${days} days ago`;
}

/** Formats the time left until an instant: "in 42 s", "in 4 min 05 s", "in 1 h 58 min", "due now". */
export function formatCountdown(iso: string, now: number): string {
  const left = Date.parse(iso) - now;
  if (left <= 0) return 'due now';
  const seconds = Math.ceil(left / SECOND);
  if (seconds < 60) return `in ${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `in ${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `in ${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** Formats a length of time for a schedule: "1 minute", "30 minutes", "2 hours". */
export function formatDelay(ms: number): string {
  if (ms >= HOUR) {
    const hours = ms / HOUR;
    return hours === 1 ? '1 hour' : `${hours} hours`;
  }
  const minutes = ms / MINUTE;
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** Formats the duration of a request: "85 ms", "1.2 s". */
export function formatDuration(ms: number): string {
  return ms < SECOND ? `${ms} ms` : `${(ms / SECOND).toFixed(1)} s`;
}

/** Formats a rate from 0 to 1 as a whole percentage, keeping 99.x below 100. */
export function formatRate(rate: number): string {
  const percent = rate * 100;
  return `${percent > 99 && percent < 100 ? percent.toFixed(1) : Math.round(percent)}%`;
}
