// Web mode's per-launch token arrives once in the page URL (?token=...). It is taken out of
// the visible URL (so it is not bookmarked or shared by accident) and kept for the session.
import { TOKEN_QUERY } from '../../shared/contract.js';

export interface TakenToken {
  /** the token found in the URL, or null */
  token: string | null;
  /** the URL without the token parameter (hash and other parameters kept) */
  cleanUrl: string;
}

export function takeTokenFromUrl(href: string): TakenToken {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return { token: null, cleanUrl: href };
  }
  const token = url.searchParams.get(TOKEN_QUERY);
  if (token === null) return { token: null, cleanUrl: href };
  url.searchParams.delete(TOKEN_QUERY);
  return { token: token || null, cleanUrl: url.toString() };
}

/** Appends the token as a query parameter (for URLs that cannot carry a header: img, EventSource). */
export function withToken(path: string, token: string | null): string {
  if (!token) return path;
  const sep = path.includes('?') ? '&' : '?';
  return `${path}${sep}${TOKEN_QUERY}=${encodeURIComponent(token)}`;
}
