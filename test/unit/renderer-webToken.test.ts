import { describe, expect, it } from 'vitest';
import { takeTokenFromUrl, withToken } from '../../renderer/src/webToken.js';
import { newTaskId } from '../../renderer/src/taskId.js';

describe('web token', () => {
  it('takes the token out of the URL and keeps the rest', () => {
    expect(takeTokenFromUrl('http://127.0.0.1:5000/?token=abc_DEF-1#/datasets/3?split=train')).toEqual({
      token: 'abc_DEF-1',
      cleanUrl: 'http://127.0.0.1:5000/#/datasets/3?split=train',
    });
    expect(takeTokenFromUrl('http://127.0.0.1:5000/?a=1&token=t&b=2').cleanUrl).toBe('http://127.0.0.1:5000/?a=1&b=2');
  });

  it('leaves a URL without a token alone', () => {
    expect(takeTokenFromUrl('http://127.0.0.1:5000/#/')).toEqual({ token: null, cleanUrl: 'http://127.0.0.1:5000/#/' });
    expect(takeTokenFromUrl('not a url')).toEqual({ token: null, cleanUrl: 'not a url' });
  });

  it('appends the token to media and event URLs', () => {
    expect(withToken('/media/example/5.png', 'a b')).toBe('/media/example/5.png?token=a%20b');
    expect(withToken('/x?y=1', 't')).toBe('/x?y=1&token=t');
    expect(withToken('/x', null)).toBe('/x');
  });
});

describe('task ids', () => {
  it('match the contract pattern and differ', () => {
    const a = newTaskId('import');
    const b = newTaskId('import');
    expect(a).toMatch(/^import-[A-Za-z0-9_-]{1,57}$/);
    expect(a.length).toBeLessThanOrEqual(64);
    expect(a).not.toBe(b);
  });
});
