// Who may frame web mode (`disobey serve --frame-ancestors`, used by the Python package's
// disobey.show): named origins and non-web schemes only; by default nobody.
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, CONTENT_SECURITY_POLICY, parseFrameAncestors } from '../../main/web/httpSecurity.js';

describe('frame ancestors', () => {
  it('accepts origins, local ports by wildcard and schemes such as vscode-webview:', () => {
    expect(parseFrameAncestors('http://localhost:8888, http://127.0.0.1:* https://lab.example.org vscode-webview: http://[::1]:8888')).toEqual([
      'http://localhost:8888',
      'http://127.0.0.1:*',
      'https://lab.example.org',
      'vscode-webview:',
      'http://[::1]:8888',
    ]);
  });

  it.each(['*', 'http:', 'HTTPS:', 'http://*', 'http://*.example.org', "'none'", 'localhost:8888', 'http://a b', 'http://x;script-src *', 'http://x/path'])('refuses %s', (source) => {
    expect(() => parseFrameAncestors(source)).toThrow(/is not an origin such as http:\/\/localhost:8888/);
  });

  it('refuses an empty list', () => {
    expect(() => parseFrameAncestors(' , ')).toThrow(/needs at least one origin/);
  });

  it("keeps frame-ancestors 'none' by default and names only the given origins otherwise", () => {
    expect(contentSecurityPolicy()).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    const framed = contentSecurityPolicy(['http://localhost:*', 'vscode-webview:']);
    expect(framed).toContain("frame-ancestors 'self' http://localhost:* vscode-webview:;");
    expect(framed.replace(/frame-ancestors [^;]*/, '')).toBe(CONTENT_SECURITY_POLICY.replace(/frame-ancestors [^;]*/, ''));
  });
});
