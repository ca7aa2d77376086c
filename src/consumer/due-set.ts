/**
 * A set of IDs, each with the time it is due (ms since the epoch), that yields the due ones in
 * order. A binary min-heap keeps `add` and `takeDue` at O(log n) however many retries wait;
 * re-adding or deleting an ID leaves a stale heap node behind, skipped when it surfaces.
 */
export class DueSet {
  readonly #due = new Map<string, number>();
  readonly #heap: { id: string; due: number }[] = [];

  /** IDs waiting. */
  get size(): number {
    return this.#due.size;
  }

  /** Adds `id` (or moves it) to be due at `due`. */
  add(id: string, due: number): void {
    this.#due.set(id, due);
    this.#push({ id, due });
  }

  /** Whether `id` is waiting. */
  has(id: string): boolean {
    return this.#due.has(id);
  }

  /** Removes `id`; whether it was waiting. */
  delete(id: string): boolean {
    return this.#due.delete(id);
  }

  /** The earliest due time, or `undefined` when empty. */
  earliest(): number | undefined {
    this.#dropStale();
    return this.#heap[0]?.due;
  }

  /** Removes and returns the IDs due at or before `now`, earliest first (at most `limit`). */
  takeDue(now: number, limit = Infinity): string[] {
    const ids: string[] = [];
    for (;;) {
      this.#dropStale();
      const top = this.#heap[0];
      if (top === undefined || top.due > now || ids.length >= limit) return ids;
      this.#pop();
      this.#due.delete(top.id);
      ids.push(top.id);
    }
  }

  /** Pops heap nodes whose ID was deleted or re-added with another due time. */
  #dropStale(): void {
    for (;;) {
      const top = this.#heap[0];
      if (top === undefined || this.#due.get(top.id) === top.due) return;
      this.#pop();
    }
  }

  #push(node: { id: string; due: number }): void {
    const heap = this.#heap;
    heap.push(node);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as { due: number }).due <= node.due) break;
      heap[i] = heap[parent] as { id: string; due: number };
      i = parent;
    }
    heap[i] = node;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && (heap[right] as { due: number }).due < (heap[left] as { due: number }).due ? right : left;
      if ((heap[child] as { due: number }).due >= last.due) break;
      heap[i] = heap[child] as { id: string; due: number };
      i = child;
    }
    heap[i] = last;
  }
}
