// The tool calls a server is running, so a stdio server whose host closed stdin can answer the
// calls already received before it closes the database: "acknowledged" then means answered.
export class CallTracker {
  private readonly running = new Set<Promise<unknown>>();

  /** Runs `call`, remembering it until it settles. */
  track<T>(call: () => Promise<T>): Promise<T> {
    const promise = call();
    this.running.add(promise);
    const forget = (): void => void this.running.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** Resolves once no call is running (calls started meanwhile are waited for too). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    // The SDK sends each answer a few microtasks after the handler settles: let it.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
