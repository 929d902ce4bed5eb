/** A parsed query string: a key given twice arrives as an array. */
export type Query = Record<string, string | string[]>;

/** The value of a key given once, or the last one given (as webob's MultiDict does). */
export const last = (q: Query, key: string): string | undefined => {
  const v = q[key];
  return Array.isArray(v) ? v[v.length - 1] : v;
};

/** Every value of a key, in order. */
export const all = (q: Query, key: string): string[] => {
  const v = q[key];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};
