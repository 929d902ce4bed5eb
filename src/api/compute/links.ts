/** Nova's self/bookmark link pair: self is versioned, bookmark is not. */
export function resourceLinks(publicUrl: string, collection: string, id: string) {
  return [
    { rel: 'self', href: `${publicUrl}/compute/v2.1/${collection}/${id}` },
    { rel: 'bookmark', href: `${publicUrl}/compute/${collection}/${id}` },
  ];
}

export function bookmarkOnly(publicUrl: string, collection: string, id: string) {
  return [{ rel: 'bookmark', href: `${publicUrl}/compute/${collection}/${id}` }];
}

/** Nova's `next` link: present when a page is full, carrying the last id as the marker. */
export function nextLink(publicUrl: string, collection: string, query: Record<string, string | string[]>, lastId: string) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (k === 'marker') continue;
    for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
  }
  params.set('marker', lastId);
  return [{ rel: 'next', href: `${publicUrl}/compute/v2.1/${collection}?${params.toString()}` }];
}

/** Nova's API timestamps: seconds precision with a Z. */
export const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Nova's launched_at/terminated_at: microseconds, no zone. */
export const isoMicros = (d: Date | null) => (d ? d.toISOString().replace(/\.(\d{3})Z$/, '.$1000') : null);
