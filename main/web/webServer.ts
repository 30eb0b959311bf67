// Web mode: the built renderer and the same contract over HTTP, on 127.0.0.1 only, behind a
// per-launch token. POST /api/call/<name> runs a call; GET /api/events streams events (SSE);
// GET /media/example/<id>.png serves images (a thumbnail for referenced images), GET
// /media/example/<id>/training.png the image training sees (a referenced example's tensor); GET
// /api/example/<id>/original a referenced example's original file; GET /api/download/set?setId=…&format=… sends a
// curated set's export as a download; everything else is the renderer's static files. Requests
// to /api and /media from another origin, and calls that are not JSON, are refused (httpSecurity.ts).
import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { TOKEN_QUERY } from '../../shared/contract.js';
import { DOWNLOAD_EXPORT_PATH } from '../../shared/curatedSets.js';
import { toWireError, type ErrorCode } from '../../shared/errors.js';
import type { AppServices } from '../services/appServices.js';
import { sweepStaleDownloads } from '../services/curatedSets.js';
import { rendererDir } from '../paths.js';
import { exampleIdFromMediaPath, exampleIdFromOriginalPath, exampleIdFromTrainingImagePath, resolveRendererFile } from './rendererFiles.js';
import { createLaunchToken, isAllowedHost, isJsonContentType, isOwnOriginRequest, presentedToken, setSecurityHeaders, tokenCookie } from './httpSecurity.js';

export interface WebServerOptions {
  services: AppServices;
  port?: number;
  token?: string;
  staticDir?: string;
  /** a client that has not sent its whole request head by then is dropped (slowloris); default 10 s */
  headersTimeoutMs?: number;
  /** …nor its whole request by then; default 30 s (bodies are at most 1 MiB) */
  requestTimeoutMs?: number;
  /** origins that may show the app in a frame (a notebook's IFrame); default none */
  frameAncestors?: readonly string[];
}

/** Open connections at most: past this the server accepts no more until some close. */
const MAX_CONNECTIONS = 256;
/**
 * Connections still sending their first request head, at most. Without this a local client with
 * no token could fill all MAX_CONNECTIONS slots with half-sent heads, each kept for the headers
 * timeout, and lock the token holder out ('socket hang up'). Past this many the oldest unfinished
 * connection is dropped: an honest client sends its head within milliseconds, so it is never the
 * oldest for long. The other way to hold a slot, a kept-alive connection, needs the token: a
 * request without it is answered with Connection: close (handle).
 */
const MAX_CONNECTIONS_AWAITING_HEAD = 64;

export interface WebServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;
/** past this much, a client still sending after its 413 is cut off */
const MAX_DRAINED_BYTES = 16 * MAX_BODY_BYTES;
const CONTENT_TYPES: Record<string, string> = { '.csv': 'text/csv; charset=utf-8', '.jsonl': 'application/x-ndjson', '.zip': 'application/zip' };
const HOST = '127.0.0.1';
const EVENT_STREAM_HEADERS = { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' };

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  VALIDATION_ERROR: 400,
  SPEC_ERROR: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  CANCELLED: 409,
  BUSY: 503,
  READ_ONLY: 409,
  FORBIDDEN: 403,
  IMPORT_ERROR: 422,
  SCHEMA_ERROR: 500,
  INTERNAL: 500,
};

/**
 * The server's own refusal, before any call runs. Its code is given each time, never derived from
 * the status: a default once labelled a wrong token, an unknown page and a wrong method
 * VALIDATION_ERROR. A request refused before it is looked at (token, method, content type, origin)
 * is FORBIDDEN, as shared/errors.ts defines it; a body that breaks a limit or does not parse is
 * VALIDATION_ERROR, like the calls' own argument checks.
 */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: ErrorCode,
  ) {
    super(message);
  }
}

/** What a page of another origin could reach with the cookie: everything but the renderer's own files. */
function isApiPath(pathname: string): boolean {
  return pathname.startsWith('/api/') || pathname.startsWith('/media/');
}

/** A download being written or sent: `stop` cancels it; `settled` resolves once its folder is gone. */
interface PendingDownload {
  stop(): void;
  settled: Promise<void>;
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const { services } = options;
  const token = options.token ?? createLaunchToken();
  const framable = (options.frameAncestors ?? []).length > 0;
  const staticDir = path.resolve(options.staticDir ?? rendererDir());
  const openStreams = new Set<ServerResponse>();
  const downloads = new Set<PendingDownload>();
  let port = 0;
  // Folders of downloads a crashed or killed server never removed.
  sweepStaleDownloads();

  // Node's defaults keep a half-sent request for 60–300 s: a few hundred slow clients would hold
  // every socket. Checked every second, so the timeouts are what they say.
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const serverOptions = { headersTimeout, requestTimeout: Math.max(options.requestTimeoutMs ?? 30_000, headersTimeout), connectionsCheckingInterval: Math.min(1_000, headersTimeout) };
  const awaitingHead = new Set<Socket>(); // oldest first
  const server = http.createServer(serverOptions, (req, res) => {
    awaitingHead.delete(req.socket);
    setSecurityHeaders(res, options.frameAncestors);
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const code = err instanceof HttpError ? err.code : 'INTERNAL';
      if (!res.headersSent) sendJson(res, status, { ok: false, error: { code, message: (err as Error).message } });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Until the token is seen the connection serves this one request (MAX_CONNECTIONS_AWAITING_HEAD).
    const keepAlive = res.shouldKeepAlive;
    res.shouldKeepAlive = false;
    if (!isAllowedHost(req.headers.host, port)) throw new HttpError(403, 'forbidden host', 'FORBIDDEN');
    const url = requestUrl(req.url, port);
    // Before the token: the cookie is sent from other ports too, so it proves nothing here.
    if (isApiPath(url.pathname) && !isOwnOriginRequest(req)) {
      throw new HttpError(403, 'requests from another origin are refused: use the app at the URL `disobey serve` printed', 'FORBIDDEN');
    }
    const tokenSource = presentedToken(req, url, token, port);
    // A frame on another site (a notebook's IFrame) is sent no cookie, so where framing was asked
    // for the renderer's own files — public code, no data — load without the token; every call,
    // event stream, download and image still needs it, and the renderer sends it from its URL.
    const publicFile = framable && !isApiPath(url.pathname) && req.method === 'GET';
    if (!tokenSource && !publicFile) throw new HttpError(401, 'missing or wrong token: open the URL that `disobey serve` printed', 'FORBIDDEN');
    if (tokenSource) res.shouldKeepAlive = keepAlive;
    if (tokenSource === 'query') res.setHeader('Set-Cookie', tokenCookie(token, port));

    if (url.pathname.startsWith('/api/call/')) {
      if (req.method !== 'POST') throw new HttpError(405, 'calls use POST', 'FORBIDDEN');
      if (!isJsonContentType(req.headers['content-type'])) throw new HttpError(415, 'calls take a JSON body sent as Content-Type: application/json', 'FORBIDDEN');
      const name = decodeCallName(url.pathname.slice('/api/call/'.length));
      const leave = services.foreground(name);
      if (leave) res.once('close', leave);
      const body = await readBody(req); // outside the JSON try: a 413 stays a 413
      let args: unknown;
      try {
        args = JSON.parse(body || '{}');
      } catch {
        throw new HttpError(400, 'the request body is not valid JSON', 'VALIDATION_ERROR');
      }
      try {
        const started = performance.now();
        const result = await services.dispatch(name, args, 'http');
        // The call's own time, for the browser's devtools and the explorer bench (same origin only).
        res.setHeader('Server-Timing', `call;dur=${(performance.now() - started).toFixed(1)}`);
        if (result instanceof Uint8Array) {
          res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-store', 'Content-Length': result.byteLength });
          res.end(result);
        } else sendJson(res, 200, { ok: true, result });
      } catch (err) {
        const wire = toWireError(err);
        sendJson(res, STATUS_BY_CODE[wire.code], { ok: false, error: wire });
      }
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `method ${req.method ?? ''} not allowed: pages, events and media use GET`, 'FORBIDDEN');
    if (url.pathname === '/api/events') {
      // A HEAD gets the stream's headers and its end, not a stream that never ends.
      if (req.method === 'HEAD') return void res.writeHead(200, EVENT_STREAM_HEADERS).end();
      return streamEvents(res);
    }
    if (url.pathname === DOWNLOAD_EXPORT_PATH) {
      // A HEAD would write the whole export to send none of it.
      if (req.method === 'HEAD') throw new HttpError(405, 'downloads use GET', 'FORBIDDEN');
      return sendExport(url, res);
    }
    // Images are quick calls too (a page of thumbnails, the detail panel's training image and
    // original), or the next scatter waits in the browser's queue behind them.
    const exampleId = exampleIdFromMediaPath(url.pathname);
    if (exampleId !== null) return sendImage(res, () => services.exampleImage(exampleId), 'private, max-age=3600');
    // The image training sees (the detail panel of a dataset stored by reference): stored pixels as PNG, fixed once imported.
    const trainingId = exampleIdFromTrainingImagePath(url.pathname);
    if (trainingId !== null) return sendImage(res, () => services.exampleTrainingImage(trainingId), 'private, max-age=3600');
    // An original file, behind the same Host, Origin and token checks as every call; never cached (it is checked against its hash each time).
    const originalId = exampleIdFromOriginalPath(url.pathname);
    if (originalId !== null) return sendImage(res, () => services.exampleOriginal(originalId), 'no-store');
    return serveStatic(url.pathname, res);
  }

  /**
   * The export is written to a temporary folder, then streamed. The folder goes when the response
   * closes for any reason: sent, the client left, the file failed to read, or the server closed;
   * a client that leaves while the export is still written cancels it.
   */
  async function sendExport(url: URL, res: ServerResponse): Promise<void> {
    const stop = new AbortController();
    let settle!: () => void;
    const pending: PendingDownload = { stop: () => stop.abort(), settled: new Promise<void>((resolve) => (settle = resolve)) };
    downloads.add(pending);
    const done = () => {
      downloads.delete(pending);
      settle();
    };
    const onClose = () => stop.abort();
    res.on('close', onClose);
    let exported: Awaited<ReturnType<AppServices['exportToTemporaryFile']>>;
    try {
      const query = Object.fromEntries([...url.searchParams].filter(([key]) => key !== TOKEN_QUERY));
      exported = await services.exportToTemporaryFile(query, stop.signal);
    } catch (err) {
      done(); // a failed or cancelled export has removed its folder
      const wire = toWireError(err);
      if (!stop.signal.aborted) sendJson(res, STATUS_BY_CODE[wire.code], { ok: false, error: wire });
      return;
    } finally {
      res.off('close', onClose);
    }
    if (stop.signal.aborted) {
      // written just as the client left or the server closed
      exported.remove();
      return done();
    }
    const stream = fs.createReadStream(exported.file);
    const release = () => {
      stream.destroy();
      exported.remove();
      done();
    };
    pending.stop = () => res.destroy();
    res.on('close', release);
    // Past the headers, cutting the connection is how the client learns the file is incomplete.
    stream.on('error', () => res.destroy());
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[path.extname(exported.fileName)] ?? 'application/octet-stream',
      'Content-Length': exported.bytes,
      'Content-Disposition': `attachment; filename="${exported.fileName.replace(/"/g, '')}"; filename*=UTF-8''${encodeURIComponent(exported.fileName)}`,
      'Cache-Control': 'no-store',
    });
    stream.pipe(res);
  }

  async function sendImage(res: ServerResponse, read: () => Promise<{ data: Buffer; contentType: string }>, cacheControl: string): Promise<void> {
    res.once('close', services.foreground(null)!);
    try {
      const { data, contentType } = await read();
      res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': cacheControl, 'Content-Length': data.length });
      res.end(data);
    } catch (err) {
      const wire = toWireError(err);
      sendJson(res, STATUS_BY_CODE[wire.code], { ok: false, error: wire });
    }
  }

  function streamEvents(res: ServerResponse): void {
    res.writeHead(200, EVENT_STREAM_HEADERS);
    res.write(': connected\n\n');
    openStreams.add(res);
    const unsubscribe = services.events.subscribe((event) => res.write(`data: ${JSON.stringify(event)}\n\n`));
    const keepAlive = setInterval(() => res.write(': ping\n\n'), 15_000);
    res.on('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
      openStreams.delete(res);
    });
  }

  function serveStatic(pathname: string, res: ServerResponse): void {
    const found = resolveRendererFile(staticDir, pathname);
    if (!found) {
      if (pathname === '/') throw new HttpError(500, `the renderer is not built (${staticDir}); run npm run build`, 'INTERNAL');
      throw new HttpError(404, `not found: ${pathname.slice(0, 200)}`, 'NOT_FOUND');
    }
    res.writeHead(200, {
      'Content-Type': found.contentType,
      'Cache-Control': found.immutable ? 'private, max-age=31536000, immutable' : 'no-cache',
    });
    fs.createReadStream(found.file).pipe(res);
  }

  server.on('connection', (socket: Socket) => {
    awaitingHead.add(socket);
    socket.once('close', () => awaitingHead.delete(socket));
    if (awaitingHead.size > MAX_CONNECTIONS_AWAITING_HEAD) awaitingHead.values().next().value?.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.maxConnections = MAX_CONNECTIONS;
    server.listen(options.port ?? 0, HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://${HOST}:${port}/?token=${token}`,
    port,
    token,
    async close(): Promise<void> {
      const folders = [...downloads].map((d) => {
        d.stop();
        return d.settled;
      });
      await new Promise<void>((resolve) => {
        for (const s of openStreams) s.end();
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await Promise.all(folders);
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

/** The request target as a URL; one that does not parse (GET http://[::1/) is the client's error, not ours. */
function requestUrl(target: string | undefined, port: number): URL {
  try {
    return new URL(target ?? '/', `http://${HOST}:${port}`);
  } catch {
    throw new HttpError(400, 'the request target is not a valid URL', 'VALIDATION_ERROR');
  }
}

/** The call name from the URL; a malformed %-escape is the client's error, not ours. */
function decodeCallName(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new HttpError(400, 'the call name in the URL is not valid percent-encoding', 'VALIDATION_ERROR');
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Answer 413 and drop the rest as it arrives: destroying the socket with the body still
        // unread resets the connection before the client can read the answer.
        chunks.length = 0;
        reject(new HttpError(413, `request body too large: a call takes at most ${MAX_BODY_BYTES} bytes`, 'VALIDATION_ERROR'));
        if (size > MAX_DRAINED_BYTES) req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
