// Builds the renderer alone (for `bgpt serve` and the e2e tests); electron.vite.config.ts builds the
// same renderer for the Electron app.
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import path from 'node:path';
import { quietDependencyAnnotations } from './scripts/rollup-warnings';

export default defineConfig({
  root: path.resolve('src-renderer'),
  base: './',
  plugins: [svelte({ configFile: path.resolve('svelte.config.js') })],
  build: {
    outDir: path.resolve('out/renderer'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 4000,
    rollupOptions: { onwarn: quietDependencyAnnotations },
  },
});
