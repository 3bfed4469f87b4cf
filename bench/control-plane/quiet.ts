/**
 * The handlers' Powertools Metrics warns on stderr at every invocation that adds no metric; a fleet
 * run makes thousands, which would bury the benchmark's own progress. Only that warning is dropped.
 */
const EMPTY_METRICS = "No application metrics to publish";

export function withoutEmptyMetricsWarnings(): () => void {
  const write = process.stderr.write;
  process.stderr.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    if (String(chunk).startsWith(EMPTY_METRICS)) return true;
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof process.stderr.write;
  return () => {
    process.stderr.write = write;
  };
}
