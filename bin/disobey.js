#!/usr/bin/env node
// The `disobey` command: runs the built CLI (npm install builds it through `prepare`).
import fs from 'node:fs';
const cli = new URL('../out/main/cli.js', import.meta.url);
if (!fs.existsSync(cli)) {
  console.error('disobey: the app is not built yet; run `npm run build` in the Disobey folder');
  process.exit(1);
}
await import(cli.href);
