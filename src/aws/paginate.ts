// Paginated AWS Describe calls: the SDK's paginators with the page sizes AWS documents as the
// maximum (fewest calls, bounded responses), consumed page by page so no listing is held whole,
// and `collect` for the small listings that are needed whole (AMIs, launch templates).

/** MaxResults per page: the documented maximum of each Describe call a scanner streams. */
export const PAGE_SIZE = {
  DescribeInstances: 1000,
  DescribeVolumes: 500,
  DescribeSnapshots: 1000,
} as const;

/** Every page of a paginated call, each reduced to its items, as it arrives. */
export async function* pageItems<Page, Item>(
  pages: AsyncIterable<Page>,
  pick: (page: Page) => readonly Item[] | undefined,
  what: string,
): AsyncGenerator<Item[]> {
  const it = pages[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Page>;
    try {
      next = await it.next();
    } catch (cause) {
      throw new Error(what, { cause });
    }
    if (next.done) return;
    yield [...(pick(next.value) ?? [])];
  }
}

/** Collects every page of a paginated AWS Describe call (the SDK's paginators), so no caller forgets NextToken. */
export async function collect<Page, Item>(
  pages: AsyncIterable<Page>,
  pick: (page: Page) => readonly Item[] | undefined,
): Promise<Item[]> {
  const out: Item[] = [];
  for await (const page of pages) out.push(...(pick(page) ?? []));
  return out;
}

/** AWS tag list -> plain record. */
export function tagMap(
  tags: readonly { Key?: string; Value?: string }[] | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key) out[t.Key] = t.Value ?? '';
  return out;
}
