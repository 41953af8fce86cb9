// electron-vite build of the desktop app: the main process, the sandboxed
// preload (CommonJS, everything bundled: a sandboxed preload can require only 'electron'), and the
// Svelte renderer (the same one `bgpt serve` serves).
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { resolve } from 'node:path';
import { quietDependencyAnnotations } from './scripts/rollup-warnings';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        // The engine process and its gradient worker are the esbuild bundles of out/node (scripts/build-node.mjs),
        // shared with the CLI: one build of the engine, whichever shell starts it.
        input: { index: resolve('src-main/main/index.ts') },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('src-main/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src-renderer'),
    plugins: [svelte({ configFile: resolve('svelte.config.js') })],
    build: {
      outDir: 'out/renderer',
      chunkSizeWarningLimit: 4000,
      rollupOptions: { input: { index: resolve('src-renderer/index.html') }, onwarn: quietDependencyAnnotations },
    },
  },
});
