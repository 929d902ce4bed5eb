/** Query strings parse to a string, or to an array when a key repeats; Nova takes the last one. */
export type Query = Record<string, string | string[]>;

export const lastValue = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[v.length - 1] : v);
