/**
 * Memoizes a function of one key for the delivery hot path, where the same few keys (a
 * customer's webhook URL, a statement's row count) come back for every message or batch. At
 * most `max` results are kept: the map is emptied when full, so a stream of distinct keys
 * costs a re-computation, never memory. A call that throws is not remembered.
 */
export function boundedMemo<K, T>(max: number, compute: (key: K) => T): (key: K) => T {
  const results = new Map<K, T>();
  return (key) => {
    let result = results.get(key);
    if (result === undefined) {
      result = compute(key);
      if (results.size >= max) results.clear();
      results.set(key, result);
    }
    return result;
  };
}
