/** Small helpers for configured URLs. */

/**
 * `url` without the slashes it ends with ("https://x.test//" → "https://x.test"), so a path can
 * be appended. A loop rather than `/\/+$/`, which backtracks quadratically on a run of slashes
 * that does not end the string.
 */
export function withoutTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) === 0x2f) end--;
  return end === url.length ? url : url.slice(0, end);
}
