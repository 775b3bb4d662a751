/**
 * Abort helpers for many concurrent waits on one signal. EventTarget.addEventListener
 * scans the listeners already there (duplicate check), so 256 requests each adding
 * their own listener to the run's signal cost O(n) per request and trip Node's
 * MaxListenersExceededWarning; here each signal gets a single listener that fans out.
 */
const hooks = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `fn` when `signal` aborts; returns the unsubscribe function. */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  let set = hooks.get(signal);
  if (!set) {
    const callbacks = new Set<() => void>();
    hooks.set(signal, callbacks);
    signal.addEventListener(
      'abort',
      () => {
        for (const callback of [...callbacks]) callback();
        callbacks.clear();
      },
      { once: true },
    );
    set = callbacks;
  }
  const callbacks = set;
  callbacks.add(fn);
  return () => {
    callbacks.delete(fn);
  };
}

/** What an aborted operation rejects with: the signal's reason. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** Waits `ms`; rejects with the abort reason as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortReason(signal));
    const off = onAbort(signal, () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    });
    const timer = setTimeout(() => {
      off();
      resolve();
    }, ms);
  });
}
