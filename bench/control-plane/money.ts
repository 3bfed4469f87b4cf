/** Figures as the control plane's tables print them. */

/** Cents from a cent up; below that, two significant digits. */
export const dollars = (x: number): string =>
  x === 0
    ? "$0"
    : x >= 0.01
      ? `$${x.toFixed(2)}`
      : `$${x.toLocaleString("en-US", { maximumSignificantDigits: 2, maximumFractionDigits: 12 })}`;

export const whole = (n: number): string => Math.round(n).toLocaleString("en-US");

export const kilobytes = (bytes: number): string => whole(bytes / 1000);

export const megabytes = (bytes: number): string => (bytes / 1e6).toFixed(1);
