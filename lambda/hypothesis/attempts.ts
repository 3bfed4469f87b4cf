/**
 * A probe's retries: an attempt tried again at once, up to `retries` more times, while it fails.
 * The last attempt's result is the sample, with how many attempts it took. Each attempt turns its
 * own errors into a result, so that a sample is never an exception.
 */
export async function attempted<T>(
  retries: number,
  attempt: () => Promise<T>,
  succeeded: (result: T) => boolean,
): Promise<{ readonly result: T; readonly attempts: number }> {
  for (let attempts = 1; ; attempts++) {
    const result = await attempt();
    if (succeeded(result) || attempts > retries) return { result, attempts };
  }
}
