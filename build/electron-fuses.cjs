// Electron fuses of the packaged desktop app (docs/security.md). Fuses are flipped in
// the Electron binary at package time, so they hold even if an attacker controls the environment.
// Pick this up in the electron-builder config as `electronFuses: require('./build/electron-fuses.cjs').electronFuses`
// (electron-builder >= 25 applies them after packing; see app-builder-lib FuseOptionsV1).
'use strict';

/** electron-builder `electronFuses` section. */
const electronFuses = {
  // ELECTRON_RUN_AS_NODE would turn the signed app into a plain Node interpreter. The engine runs in a
  // utilityProcess (src-main/main/engine-process.ts), never child_process.fork, so nothing needs it.
  runAsNode: false,
  // Chromium's cookie store encrypted with the OS keychain, as Chrome does.
  enableCookieEncryption: true,
  // NODE_OPTIONS / NODE_EXTRA_CA_CERTS and --inspect would let another program inject code.
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  // ASAR integrity (macOS, Windows) and loading the app only from the validated app.asar.
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  // The renderer is served from app://studio (src-main/main/policy.ts), never file://.
  grantFileProtocolExtraPrivileges: false,
  loadBrowserProcessSpecificV8Snapshot: false,
};

module.exports = { electronFuses };
