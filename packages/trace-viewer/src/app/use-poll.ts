import { useEffect, useRef, useState } from 'preact/hooks';

export interface Polled<T> {
  data?: T;
  error?: string;
  loading: boolean;
}

/**
 * Loads `load()` now and again every `everyMs` (while `everyMs` > 0), keeping the last good
 * data on a failed refresh. Changing `key` starts over.
 */
export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, key: string, everyMs: (data: T | undefined) => number): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ loading: true });
  const latest = useRef(state);
  latest.current = state;
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let controller: AbortController | undefined;
    setState({ loading: true });
    const tick = async () => {
      controller = new AbortController();
      let data = latest.current.data;
      try {
        data = await load(controller.signal);
        if (!stopped) setState({ data, loading: false });
      } catch (error) {
        if (stopped) return;
        setState({ data: latest.current.data, error: error instanceof Error ? error.message : String(error), loading: false });
      }
      const next = everyMs(data);
      if (!stopped && next > 0) timer = setTimeout(tick, next);
    };
    void tick();
    return () => {
      stopped = true;
      controller?.abort();
      if (timer) clearTimeout(timer);
    };
  }, [key]);
  return state;
}
