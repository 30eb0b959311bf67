// Web mode's gatekeeping: the per-launch token (query, header or cookie, compared in
// constant time), the Host check against DNS rebinding, the origin and content-type checks against
// cross-site requests, and the headers every response carries.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TOKEN_COOKIE, TOKEN_HEADER, TOKEN_QUERY } from '../../shared/contract.js';

export function createLaunchToken(): string {
  return randomBytes(24).toString('base64url');
}

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/**
 * Who may show web mode in a frame (`disobey serve --frame-ancestors`, which the Python package's
 * `disobey.show` passes so a notebook can embed the explorer): origins (`http://localhost:8888`,
 * `http://127.0.0.1:*`) or non-web schemes (`vscode-webview:`). Schemes any site has (http:, https:)
 * and wildcards other than a port are refused: framing stays limited to what the user named.
 */
const FRAME_ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:]+\])(?::(?:\d{1,5}|\*))?$/i;
const FRAME_SCHEME = /^[a-z][a-z0-9+.-]*:$/i;

export function parseFrameAncestors(text: string): string[] {
  const sources = text.split(/[\s,]+/).filter(Boolean);
  if (!sources.length) throw new Error('--frame-ancestors needs at least one origin, e.g. http://localhost:8888');
  for (const s of sources) {
    const scheme = FRAME_SCHEME.test(s) ? s.toLowerCase() : null;
    if (scheme === 'http:' || scheme === 'https:' || (!scheme && !FRAME_ORIGIN.test(s))) {
      throw new Error(`--frame-ancestors: "${s}" is not an origin such as http://localhost:8888 or http://127.0.0.1:* (or a scheme such as vscode-webview:)`);
    }
  }
  return sources;
}

/** The policy with the pages that may frame the app ('none' unless web mode was started to be embedded). */
export function contentSecurityPolicy(frameAncestors: readonly string[] = []): string {
  return frameAncestors.length ? CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", `frame-ancestors 'self' ${frameAncestors.join(' ')}`) : CONTENT_SECURITY_POLICY;
}

export function setSecurityHeaders(res: ServerResponse, frameAncestors: readonly string[] = []): void {
  res.setHeader('Content-Security-Policy', contentSecurityPolicy(frameAncestors));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // X-Frame-Options cannot name origins: where framing is allowed, CSP's frame-ancestors decides.
  if (!frameAncestors.length) res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

/** Only loopback names on our own port: a rebinding page under another name is refused. */
export function isAllowedHost(hostHeader: string | undefined, port: number): boolean {
  if (!hostHeader) return false;
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(hostHeader.toLowerCase());
}

/**
 * A request a page of another origin made is refused, token cookie or not: SameSite ignores ports,
 * so a page on any other port of 127.0.0.1 gets the cookie sent. Browsers say who asked in
 * Sec-Fetch-Site (same-origin; none = the user typed the URL or opened a bookmark) and, for posts
 * and CORS requests, in Origin; clients that send neither (the CLI, curl) carry the token instead.
 * A same-origin <img> or EventSource sends no Origin, only Sec-Fetch-Site.
 */
export function isOwnOriginRequest(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  // The Host check has passed, so our own origin is the one the request was sent to.
  return origin === undefined || origin.toLowerCase() === `http://${(req.headers.host ?? '').toLowerCase()}`;
}

/**
 * Calls take JSON only: a cross-origin page can send text/plain, form or multipart bodies without
 * asking, while application/json makes the browser ask first (a CORS preflight, which we answer
 * with no permission). Parameters such as charset are allowed.
 */
export function isJsonContentType(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';
}

function sameToken(candidate: string | undefined | null, token: string): boolean {
  if (!candidate) return false;
  const a = Buffer.from(candidate);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

export type TokenSource = 'query' | 'header' | 'cookie' | null;

/**
 * The cookie's name on `port`. Cookies ignore ports: under one name, a second server on
 * 127.0.0.1 would replace the first one's token (its downloads then refused) and each server's
 * token would be sent to the other. Named per port, each server reads only its own.
 */
export function tokenCookieName(port: number): string {
  return `${TOKEN_COOKIE}_${port}`;
}

export function presentedToken(req: IncomingMessage, url: URL, token: string, port: number): TokenSource {
  const header = req.headers[TOKEN_HEADER];
  if (sameToken(Array.isArray(header) ? header[0] : header, token)) return 'header';
  if (sameToken(url.searchParams.get(TOKEN_QUERY), token)) return 'query';
  if (sameToken(cookieValue(req, tokenCookieName(port)), token)) return 'cookie';
  return null;
}

/** After the printed URL is opened once, the browser keeps the token in a strict cookie for this port. */
export function tokenCookie(token: string, port: number): string {
  return `${tokenCookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}
