type AnyListener = (...args: unknown[]) => void;

/** A minimal typed event emitter that runs in Node and in browsers. */
export class Emitter<Events extends Record<string, unknown[]>> {
  private readonly listeners = new Map<keyof Events, Set<AnyListener>>();

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const l = listener as unknown as AnyListener;
    set.add(l);
    return () => set.delete(l);
  }

  /** Resolves with the next emission of an event. */
  once<K extends keyof Events>(event: K): Promise<Events[K]> {
    return new Promise((resolve) => {
      const off = this.on(event, (...args) => {
        off();
        resolve(args);
      });
    });
  }

  protected emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    for (const l of this.listeners.get(event) ?? []) l(...args);
  }
}
