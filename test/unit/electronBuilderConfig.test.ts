// The packaging config, read as electron-builder reads it: the targets per OS, native modules
// outside the asar and rebuilt for Electron, the sample as an extra resource, the icon, the
// release fuses, every path it names present, and electron-builder's own schema accepting it.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';

const root = path.resolve(import.meta.dirname, '..', '..');
const configText = fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8');
const config = YAML.parse(configText) as {
  directories: { output: string; buildResources: string };
  files: string[];
  extraResources: { from: string; to: string }[];
  asarUnpack: string[];
  npmRebuild: boolean;
  buildDependenciesFromSource: boolean;
  electronFuses: Record<string, boolean>;
  linux: { target: string[]; icon: string };
  mac: { target: string[]; icon: string };
  win: { target: string[]; icon: string };
};
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  main: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
};
const exists = (p: string) => fs.existsSync(path.resolve(root, p));

describe('electron-builder.yml', () => {
  it('builds an AppImage and a deb on Linux, a dmg on macOS and an nsis installer on Windows', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
    expect(pkg.scripts.dist).toMatch(/npm run build && electron-builder --config electron-builder\.yml/);
  });

  it('unpacks the native modules from the asar and rebuilds them for Electron', () => {
    for (const moduleName of ['better-sqlite3', '@tensorflow/tfjs-node-gpu', 'sharp']) {
      expect(config.asarUnpack, moduleName).toContain(`**/node_modules/${moduleName}/**`);
    }
    // every unpacked module is one the app ships (or sharp's per-platform @img binaries)
    const shipped = { ...pkg.dependencies, ...pkg.optionalDependencies };
    for (const pattern of config.asarUnpack) {
      const name = /^\*\*\/node_modules\/(.+)\/\*\*$/.exec(pattern)?.[1];
      expect(name, pattern).toBeDefined();
      expect(name === '@img' || name! in shipped, pattern).toBe(true);
    }
    expect(config.npmRebuild).toBe(true);
    expect(config.buildDependenciesFromSource).toBe(false);
  });

  it('ships the embedded sample and the docs beside the asar, where the packaged app looks for them', () => {
    expect(config.extraResources).toEqual([
      { from: 'resources/sample', to: 'sample' },
      { from: 'docs', to: 'docs' },
    ]);
    // Help › Documentation opens <resources>/docs (main/electron/index.ts)
    expect(exists('docs/metrics.md')).toBe(true);
    // main/paths.ts: sampleDatasetDir() is <resources>/sample/fashion-mnist
    expect(exists('resources/sample/fashion-mnist')).toBe(true);
  });

  it('packs the built app and package.json, and the entry points are inside what it packs', () => {
    expect(config.files).toEqual(expect.arrayContaining(['out/**', 'package.json', '!out/**/*.map']));
    expect(pkg.main).toBe('out/main/electron.js');
    expect(config.directories.output).toBe('dist');
  });

  it('has a 512×512 PNG icon for every OS', async () => {
    expect(new Set([config.linux.icon, config.mac.icon, config.win.icon])).toEqual(new Set(['resources/build/icon.png']));
    const meta = await sharp(path.join(root, 'resources/build/icon.png')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 512, 512]);
  });

  it('flips the release fuses', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });

  it('names only paths that exist', () => {
    const named = [
      config.directories.buildResources,
      ...config.extraResources.map((r) => r.from),
      config.linux.icon,
      config.mac.icon,
      config.win.icon,
      ...config.files.filter((f) => !f.startsWith('!') && !f.includes('*')),
    ];
    expect(named.filter((p) => !exists(p))).toEqual([]);
  });

  it("passes electron-builder's own schema, which refuses a misspelt option", async () => {
    // electron-builder validates with this function before every build; it lives in app-builder-lib
    const fromBuilder = createRequire(createRequire(import.meta.url).resolve('electron-builder'));
    const { validateConfiguration } = fromBuilder('app-builder-lib/out/util/config/config.js') as {
      validateConfiguration(config: unknown, logger: unknown): Promise<void>;
    };
    const { DebugLogger } = fromBuilder('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(YAML.parse(configText), new DebugLogger(false))).resolves.toBeUndefined();
    const misspelt = YAML.parse(configText) as typeof config;
    misspelt.electronFuses.runAsNodes = false;
    await expect(validateConfiguration(misspelt, new DebugLogger(false))).rejects.toThrow(/electronFuses/);
  });
});
