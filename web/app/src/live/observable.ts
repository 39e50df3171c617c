// A value screens watch: `set` changes it, `useValue` re-renders the
// calling component on each change.
import { useEffect, useState } from "preact/hooks";

export class Observable<T> {
  private readonly listeners = new Set<(value: T) => void>();

  constructor(private current: T) {}

  get(): T {
    return this.current;
  }

  set(value: T): void {
    this.current = value;
    for (const listener of this.listeners) listener(value);
  }

  watch(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}

/** The observable's value, re-rendering the component on each change. */
export function useValue<T>(observable: Observable<T>): T {
  const [value, setValue] = useState(observable.get());
  useEffect(() => {
    setValue(observable.get());
    return observable.watch(setValue);
  }, [observable]);
  return value;
}
