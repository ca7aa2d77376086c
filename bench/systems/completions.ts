// "Every job completed" for the job queues: a counter of the library's own completion events
// (emitted after its finishing script returned), and a promise for "at least `total`".
export class Completions {
  #count = 0;
  #waiter: { total: number; resolve: () => void } | undefined;

  /** One more completion. */
  add = (): void => {
    this.#count++;
    if (this.#waiter && this.#count >= this.#waiter.total) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w.resolve();
    }
  };

  reached(total: number): Promise<void> {
    if (this.#count >= total) return Promise.resolve();
    return new Promise<void>((resolve) => (this.#waiter = { total, resolve }));
  }
}
