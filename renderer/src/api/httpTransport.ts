// Web mode: POST /api/call/<name> with the launch token in a header; events over server-sent
// events; images from /media with the token as a query parameter (an <img> sends no headers).
import { exampleImagePath, TOKEN_HEADER, type CallName } from '../../../shared/contract.js';
import { withToken } from '../webToken.js';
import { ApiError, type Transport } from './client.js';

type Reply = { ok: true; result: unknown } | { ok: false; error: { code?: string; message?: string } };

function isReply(body: unknown): body is Reply {
  return typeof body === 'object' && body !== null && typeof (body as { ok?: unknown }).ok === 'boolean';
}

export function createHttpTransport(token: string | null): Transport {
  async function send(name: CallName, args: unknown): Promise<unknown> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (token) headers[TOKEN_HEADER] = token;
    let response: Response;
    try {
      response = await fetch(`/api/call/${encodeURIComponent(name)}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(args ?? {}),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch (err) {
      throw new ApiError('NETWORK', `cannot reach the Disobey server (${(err as Error).message}); is \`disobey serve\` still running?`, name);
    }
    // Binary results (the scatter's typed arrays) come as octet-stream: the contract's BinaryPayload.
    if (response.ok && response.headers.get('Content-Type') === 'application/octet-stream') return new Uint8Array(await response.arrayBuffer());
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (isReply(body)) {
      if (body.ok) return body.result;
      throw new ApiError(body.error.code ?? 'INTERNAL', body.error.message ?? `HTTP ${response.status}`, name);
    }
    throw new ApiError(response.ok ? 'SCHEMA_ERROR' : 'INTERNAL', `${name}: HTTP ${response.status} ${text.slice(0, 200) || response.statusText}`.trim(), name);
  }

  return {
    kind: 'web',
    send,
    subscribe(listener) {
      const source = new EventSource(withToken('/api/events', token));
      source.onmessage = (message: MessageEvent<string>) => {
        try {
          listener(JSON.parse(message.data));
        } catch {
          console.warn('disobey: ignored an event that is not JSON');
        }
      };
      return () => source.close();
    },
    imageUrl: (exampleId) => withToken(exampleImagePath(exampleId), token),
  };
}
