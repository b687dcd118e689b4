/**
 * Runs items in groups: the items that arrive while one group is being written form the next
 * one, so that a busy dispatcher pays one transaction for many items and an idle one waits for
 * nobody. A group that fails is run again one item at a time, so that one bad item fails alone
 * and the others still go through.
 */
export type Grouper<In, Out> = (item: In) => Promise<Out>;

type Pending<In, Out> = { item: In; resolve(out: Out): void; reject(err: unknown): void };

/** `run` answers one result per item, in order. */
export function createGrouper<In, Out>(run: (items: In[]) => Promise<Out[]>, maxGroup: number): Grouper<In, Out> {
  let queue: Pending<In, Out>[] = [];
  let flushing = false;

  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const group = queue.slice(0, maxGroup);
      queue = queue.slice(group.length);
      try {
        const results = await run(group.map((p) => p.item));
        group.forEach((p, i) => p.resolve(results[i]!));
      } catch (err) {
        if (group.length === 1) group[0]!.reject(err);
        else for (const p of group) await run([p.item]).then(([out]) => p.resolve(out!), p.reject);
      }
    }
    flushing = false;
  }

  return (item) =>
    new Promise<Out>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (flushing) return;
      flushing = true;
      // Items handed over in this turn of the event loop (a claimed batch), and those whose I/O
      // completed with it (provider answers), go as one group. Without the wait a synchronous
      // database (SQLite) would finish each group before the next item could arrive.
      setImmediate(() => void flush());
    });
}
