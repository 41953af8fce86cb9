// The packaging config passes electron-builder's own validation (its JSON schema and deprecation checks),
// offline: building installers needs the Electron runtime, which cannot be downloaded here.
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const root = path.resolve(__dirname, '../../..');
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js');
const { DebugLogger } = require('builder-util');

async function load(overrides: Record<string, unknown> = {}) {
  const config = await getConfig(root, path.join(root, 'electron-builder.config.cjs'), overrides);
  await validateConfiguration(config, new DebugLogger(false));
  return config;
}

describe('electron-builder config', () => {
  it('is valid for electron-builder and names the three platforms, unpacked natives and fuses', async () => {
    const config = await load();
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['**/*.node', 'node_modules/sqlite3/**/*', 'node_modules/webgpu/dist/**/*']));
    expect(config.electronFuses).toMatchObject({ runAsNode: false, enableCookieEncryption: true, enableEmbeddedAsarIntegrityValidation: true, onlyLoadAppFromAsar: true });
  });

  it('would catch a mistake (the validation is real)', async () => {
    await expect(load({ linux: { target: ['AppImage'], notAnOption: true } })).rejects.toThrow(/Invalid configuration object/);
  });

  it('packs what the app loads at run time', async () => {
    const pkg = require(path.join(root, 'package.json'));
    expect(pkg.main).toBe('./out/main/index.js');
    expect(pkg.scripts.dist).toMatch(/npm run build/);
    expect(pkg.scripts.dist).toMatch(/electron-builder/);
  });
});
