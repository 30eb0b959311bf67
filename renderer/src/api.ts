// The one API client, its transport picked once at start: the preload's bridge in the desktop
// app, HTTP + server-sent events in web mode. Import `api` from here and nothing else.
import { createApi, type Api } from './api/client.js';
import { createHttpTransport } from './api/httpTransport.js';
import { createIpcTransport } from './api/ipcTransport.js';
import { takeTokenFromUrl, withToken } from './webToken.js';

export { ApiError, type Api, type TransportKind } from './api/client.js';

const TOKEN_STORAGE_KEY = 'disobey.token';

/** Reads ?token= from the page URL (then hides it), falling back to the one kept for this tab. */
function readWebToken(): string | null {
  const { token, cleanUrl } = takeTokenFromUrl(window.location.href);
  if (token) {
    try {
      sessionStorage.setItem(TOKEN_STORAGE_KEY, token);
    } catch {
      // storage disabled: the token still works for this page load (and the server's cookie after)
    }
    history.replaceState(history.state, '', cleanUrl);
    return token;
  }
  try {
    return sessionStorage.getItem(TOKEN_STORAGE_KEY);
  } catch {
    return null;
  }
}

/** web mode's launch token, once read (null in the desktop app) */
let launchToken: string | null = null;

function pickTransport() {
  const bridge = window.disobey;
  if (bridge && typeof bridge.call === 'function') return createIpcTransport(bridge);
  launchToken = readWebToken();
  return createHttpTransport(launchToken);
}

export const api: Api = createApi(pickTransport());

/**
 * A server path with web mode's token as ?token=, for what the browser fetches by itself (a
 * download link): it sends no header, and in a frame on another site (a notebook) no cookie.
 * The page's Referrer-Policy (no-referrer) keeps the URL out of Referer.
 */
export function withLaunchToken(path: string): string {
  return withToken(path, launchToken);
}

/**
 * Where a dropped file or folder lives, when the app can know: the desktop app's preload asks
 * Electron; a browser never tells a page, so web mode (and a File without a path) gives null.
 */
export function pathOfDroppedFile(file: File): string | null {
  const bridge = window.disobey;
  if (typeof bridge?.pathForFile !== 'function') return null;
  try {
    return bridge.pathForFile(file) || null;
  } catch {
    return null; // not a file from the disk (e.g. dragged out of another page)
  }
}

/** Whether dropped files come with their paths (the desktop app) or not (a browser). */
export function droppedFilesHavePaths(): boolean {
  return typeof window.disobey?.pathForFile === 'function';
}
