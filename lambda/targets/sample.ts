/**
 * Picks `percent` percent of the items at random, rounded to the nearest whole item, and never
 * fewer than one: the Harness fault's INSTANCE_AFFECTED_PERC, where 0 means one instance (66% of 3 is 2).
 */
export function sample<T>(items: readonly T[], percent: number, random: () => number = Math.random): T[] {
  const count = Math.min(items.length, Math.max(1, Math.round((items.length * percent) / 100)));
  const pool = [...items];
  // A partial Fisher-Yates shuffle: the first `count` places end up a uniform sample.
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, count);
}
