/** A page of an AWS list API: every one of them hands on a NextToken. */
interface Page {
  NextToken?: string;
}

/** Fetches every page of a listing, following NextToken, and returns all of its items. */
export async function collectPages<P extends Page, T>(
  fetchPage: (nextToken: string | undefined) => Promise<P>,
  itemsOf: (page: P) => T[] | undefined,
): Promise<T[]> {
  const items: T[] = [];
  let nextToken: string | undefined;
  do {
    const page = await fetchPage(nextToken);
    items.push(...(itemsOf(page) ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return items;
}
