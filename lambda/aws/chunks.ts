/** SendCommand, CancelCommand and the SSM instance filters take at most this many instance IDs. */
export const MAX_INSTANCE_IDS_PER_CALL = 50;

/** Splits items into consecutive groups of at most `size`. */
export function chunk<T>(items: readonly T[], size = MAX_INSTANCE_IDS_PER_CALL): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}
