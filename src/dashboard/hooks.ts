import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api/client';

/** State of data that `usePolling` loads. */
export interface Polled<T> {
  data: T | undefined;
  error: ApiError | null;
  /** Loads again now, for example after an action changed the data. */
  reload: () => void;
}

/**
 * Loads data at once and then every `intervalMs` while the tab is visible, so that the page follows
 * deliveries in flight without a reload. Polling stops while the tab is hidden and resumes with a
 * load when it shows again. `intervalMs` may depend on the data, to poll faster while something
 * changes. `keys` restart it, as for `useEffect`.
 */
export function usePolling<T>(
  load: () => Promise<T>,
  intervalMs: number | ((data: T | undefined) => number),
  keys: unknown[],
): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const latest = useRef({ load, intervalMs, data });
  latest.current = { load, intervalMs, data };
  const run = useRef<() => void>(() => undefined);

  useEffect(() => {
    let timer: number | undefined;
    let generation = 0;
    setData(undefined);
    setError(null);

    const schedule = (loaded: T | undefined) => {
      window.clearTimeout(timer);
      if (document.hidden) return;
      const { intervalMs: interval } = latest.current;
      const delay = typeof interval === 'function' ? interval(loaded) : interval;
      timer = window.setTimeout(tick, delay);
    };
    const tick = async () => {
      const current = ++generation;
      try {
        const loaded = await latest.current.load();
        if (current !== generation) return;
        setData(loaded);
        setError(null);
        schedule(loaded);
      } catch (caught) {
        if (current !== generation) return;
        setError(toApiError(caught));
        schedule(latest.current.data);
      }
    };
    const onVisibility = () => {
      if (document.hidden) window.clearTimeout(timer);
      else void tick();
    };

    run.current = () => void tick();
    void tick();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      generation++;
      window.clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, keys);

  const reload = useCallback(() => run.current(), []);
  return { data, error, reload };
}

function toApiError(caught: unknown): ApiError {
  if (caught instanceof ApiError) return caught;
  return new ApiError({ type: 'about:blank', title: 'Error', status: 0, detail: String(caught) });
}

/** Returns the current time, updated every second while the tab is visible, for countdowns. */
export function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => {
      if (!document.hidden) setNow(Date.now());
    }, 1000);
    return () => window.clearInterval(timer);
  }, []);
  return now;
}
