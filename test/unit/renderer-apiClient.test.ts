import { describe, expect, it, vi } from 'vitest';
import { ApiError, createApi, type Transport } from '../../renderer/src/api/client.js';

function fakeTransport(reply: (name: string, args: unknown) => unknown) {
  const sent: { name: string; args: unknown }[] = [];
  let emit: (raw: unknown) => void = () => {};
  const unsubscribe = vi.fn();
  const transport: Transport = {
    kind: 'web',
    async send(name, args) {
      sent.push({ name, args });
      return reply(name, args);
    },
    subscribe(listener) {
      emit = listener;
      return unsubscribe;
    },
    imageUrl: (id) => `/media/example/${id}.png`,
  };
  return { transport, sent, emit: (raw: unknown) => emit(raw), unsubscribe };
}

const info = { version: '0.1.0', databasePath: '/tmp/x.db', transport: 'http', backend: null, nativeDialogs: false, versions: { node: '22.0.0' } };

describe('api client', () => {
  it('sends checked arguments (with defaults) and parses the result', async () => {
    const t = fakeTransport(() => ({ total: 0, items: [] }));
    const api = createApi(t.transport);
    await expect(api.listExamples({ datasetId: 3 })).resolves.toEqual({ total: 0, items: [] });
    expect(t.sent).toEqual([{ name: 'listExamples', args: { datasetId: 3, offset: 0, limit: 200 } }]);
  });

  it('offers the same call by name', async () => {
    const t = fakeTransport(() => info);
    const api = createApi(t.transport);
    await expect(api.call('appInfo')).resolves.toEqual(info);
    expect(api.transport).toBe('web');
  });

  it('refuses bad arguments before sending anything', async () => {
    const t = fakeTransport(() => null);
    const api = createApi(t.transport);
    // @ts-expect-error a string id is not allowed by the contract
    const bad = api.getDataset({ datasetId: 'x' });
    await expect(bad).rejects.toThrow(/invalid arguments for getDataset: datasetId/);
    await expect(api.call('listDatasets', { extra: 1 } as never)).rejects.toBeInstanceOf(ApiError);
    expect(t.sent).toEqual([]);
  });

  it('rejects a result that breaks the contract', async () => {
    const t = fakeTransport(() => ({ deleted: 'yes' }));
    const api = createApi(t.transport);
    await expect(api.deleteDataset({ datasetId: 1 })).rejects.toMatchObject({ code: 'SCHEMA_ERROR' });
  });

  it('passes the domain error message and code through', async () => {
    const t = fakeTransport(() => {
      throw Object.assign(new Error('/data/bad.png: unreadable image'), { code: 'IMPORT_ERROR' });
    });
    const api = createApi(t.transport);
    await expect(api.importDataset({ path: '/data' })).rejects.toMatchObject({
      message: '/data/bad.png: unreadable image',
      code: 'IMPORT_ERROR',
      call: 'importDataset',
    });
  });

  it('validates events, fans them out and unsubscribes when the last listener leaves', () => {
    const t = fakeTransport(() => null);
    const log = vi.fn();
    const api = createApi(t.transport, log);
    const a = vi.fn();
    const b = vi.fn();
    const offA = api.onEvent(a);
    const offB = api.onEvent(b);
    t.emit({ type: 'datasetsChanged' });
    t.emit({ type: 'progress', taskId: 'x' }); // malformed
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).toHaveBeenCalledWith({ type: 'datasetsChanged' });
    expect(log).toHaveBeenCalledTimes(1);
    offA();
    expect(t.unsubscribe).not.toHaveBeenCalled();
    offB();
    expect(t.unsubscribe).toHaveBeenCalledTimes(1);
  });

  it('builds image URLs through the transport', () => {
    const api = createApi(fakeTransport(() => null).transport);
    expect(api.imageUrl(5)).toBe('/media/example/5.png');
  });
});
