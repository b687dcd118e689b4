/**
 * In-process signals between the code that writes webhook state and this node's delivery
 * worker, so a message goes out within a millisecond of its commit instead of at the next poll.
 * Other nodes still find it by polling; a lost signal only costs latency, never a message.
 *
 * Call `notifyEnqueued()` AFTER the transaction that wrote messages has committed: a worker
 * woken before the commit would not see the rows yet (and on PostgreSQL reads through another
 * connection). `enqueueMessage` outside a transaction notifies by itself.
 */
type Listener = () => void;

const enqueued = new Set<Listener>();
const secretsChanged = new Set<(ownerKey: string) => void>();

export function notifyEnqueued(): void {
  for (const listener of enqueued) listener();
}

/** Returns the unsubscribe function. */
export function onEnqueued(listener: Listener): () => void {
  enqueued.add(listener);
  return () => enqueued.delete(listener);
}

/** A signing secret of this owner was created, revealed or rotated on this node. */
export function notifySecretsChanged(ownerKey: string): void {
  for (const listener of secretsChanged) listener(ownerKey);
}

export function onSecretsChanged(listener: (ownerKey: string) => void): () => void {
  secretsChanged.add(listener);
  return () => secretsChanged.delete(listener);
}
