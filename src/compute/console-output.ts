/**
 * Nova's console-log shaping, kept exact because tempest counts on it: `length=3` must give text
 * whose split('\n') has 3 parts, i.e. a log ending in '\n' yields 2 lines plus the empty part.
 */

/** Nova's ComputeManager._tail_log: the last `length` parts of the log split on '\n'; 0 gives ''. */
export function tailLog(log: string, length: number): string {
  if (length === 0) return '';
  return log.split('\n').slice(-length).join('\n');
}

/** Nova's console_output controller filter: drops C0 controls except \t and \n (so \r and ESC go too). */
const NON_PRINTABLE = /[\x00-\x08\x0B-\x1F]/g; // eslint-disable-line no-control-regex

export function printable(text: string): string {
  return text.replace(NON_PRINTABLE, '');
}
