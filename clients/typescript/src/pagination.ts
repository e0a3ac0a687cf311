// Page-token pagination helpers.

/** One page as returned by a List rpc: some items and the token of the next page. */
export interface Page<T> {
  items: T[];
  nextPageToken: string;
}

/**
 * Fetches pages by following `next_page_token` until it is empty, yielding each page.
 * `fetchPage` is called with the token of the page to fetch ("" for the first one).
 * Stops with an error if the server hands back the token it was just given (which would loop).
 */
export async function* paginate<T>(
  fetchPage: (pageToken: string) => Promise<Page<T>>,
): AsyncGenerator<Page<T>, void, undefined> {
  let token = "";
  for (;;) {
    const page = await fetchPage(token);
    yield page;
    if (page.nextPageToken === "") {
      return;
    }
    if (page.nextPageToken === token) {
      throw new Error("pagination: server returned the same page token twice");
    }
    token = page.nextPageToken;
  }
}

/** Flattens an async iterable of pages into an async iterable of items. */
export async function* flattenPages<T>(
  pages: AsyncIterable<Page<T>>,
): AsyncGenerator<T, void, undefined> {
  for await (const page of pages) {
    yield* page.items;
  }
}

/** Collects an async iterable into an array. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) {
    out.push(item);
  }
  return out;
}
