// Packaging of the desktop app (`npm run dist`): electron-builder over the electron-vite output in out/.
// Linux AppImage + deb, macOS dmg, Windows nsis. Native modules (sqlite3, Dawn's WebGPU addon, the optional
// libtensorflow bindings) are unpacked from the ASAR archive: a .node file cannot be loaded from inside it.
// Fuses are flipped at package time (docs/security.md): the packaged binary cannot be turned into a plain
// Node interpreter, ignores NODE_OPTIONS and --inspect, loads the app only from its integrity-checked ASAR.
// Validated offline by tests/unit/packaging/builder-config.test.ts (electron-builder's own schema check);
// building installers needs the Electron runtime, which cannot be downloaded on the project's machines.
/** @type {import('electron-builder').Configuration} */
module.exports = {
  appId: 'org.bgpt.studio',
  productName: 'bGPT Studio',
  copyright: 'bGPT Studio authors, MIT licence',
  directories: { output: 'dist', buildResources: 'resources' },
  // What goes into app.asar: the built bundles, the built-in datasets and the runtime packages (npm's
  // production tree; dev-only packages such as tsx, vite and vitest stay out).
  files: [
    'out/**/*',
    'datasets/**/*',
    'resources/**/*',
    'package.json',
    '!**/*.map',
    '!datasets/sources/**/*',
  ],
  asar: true,
  asarUnpack: [
    '**/*.node',
    'node_modules/sqlite3/**/*',
    'node_modules/webgpu/dist/**/*',
    'node_modules/@tensorflow/tfjs-node*/**/*',
    'node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm',
  ],
  // sqlite3 is rebuilt against Electron's ABI at package time; Dawn's addon is N-API and needs no rebuild.
  npmRebuild: true,
  electronFuses: {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    grantFileProtocolExtraPrivileges: false,
  },
  linux: {
    target: ['AppImage', 'deb'],
    category: 'Audio;Science',
    icon: 'resources/icon.png',
    maintainer: 'bGPT Studio authors',
  },
  deb: { depends: ['libvulkan1'] },
  mac: { target: ['dmg'], category: 'public.app-category.music', hardenedRuntime: true },
  win: { target: ['nsis'] },
  nsis: { oneClick: false, allowToChangeInstallationDirectory: true },
};
