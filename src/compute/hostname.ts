/** Nova's sanitize_hostname: a DNS label from a display name, or a fallback when nothing is left. */
export function sanitizeHostname(name: string, fallback: string): string {
  const label = name
    .toLowerCase()
    .replace(/[ _]/g, '-')
    .replace(/[^a-z0-9.-]/g, '')
    .replace(/^[.-]+|[.-]+$/g, '')
    .slice(0, 63)
    .replace(/[.-]+$/g, '');
  return label || fallback;
}
