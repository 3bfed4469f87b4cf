/** Figures over several runs: the median, with the minimum and maximum. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

export function spread(values: number[]): Spread {
  if (!values.length) return { median: NaN, min: NaN, max: NaN, runs: 0 };
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], runs: s.length };
}

/** "median (min–max)", or the one figure when every run gave the same. */
export function formatSpread(s: Spread, format: (n: number) => string = (n) => n.toFixed(0)): string {
  if (s.runs === 0) return "n/a";
  const [median, min, max] = [s.median, s.min, s.max].map(format);
  return min === max ? median : `${median} (${min}–${max})`;
}
