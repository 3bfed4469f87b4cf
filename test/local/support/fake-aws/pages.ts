/** NextToken pagination as AWS APIs do it: an opaque token, refused when it was not handed out. */
const tokens = new Map<string, number>();
let counter = 0;

export interface PageOf<T> {
  readonly items: T[];
  readonly nextToken?: string;
}

/** One page of `items`; `invalid` builds the service's error for a token it never issued. */
export function page<T>(
  items: T[],
  maxResults: number,
  token: string | undefined,
  invalid: () => Error,
): PageOf<T> {
  let start = 0;
  if (token !== undefined) {
    const at = tokens.get(token);
    if (at === undefined) throw invalid();
    start = at;
  }
  const end = start + maxResults;
  if (end >= items.length) return { items: items.slice(start) };
  const nextToken = Buffer.from(`page-${++counter}-${end}`).toString("base64");
  tokens.set(nextToken, end);
  return { items: items.slice(start, end), nextToken };
}
