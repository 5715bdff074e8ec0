import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const outDir = resolve(root, 'dist');

// Go embeds `all:frontend/dist`, and a clean clone must compile before any
// frontend build, so dist/.gitkeep is committed. Vite empties outDir on every
// build; this puts the placeholder back so building never dirties git.
function keepDistPlaceholder(): Plugin {
  return {
    name: 'taimen:keep-dist-placeholder',
    apply: 'build',
    closeBundle() {
      mkdirSync(outDir, { recursive: true });
      writeFileSync(resolve(outDir, '.gitkeep'), '');
    },
  };
}

export default defineConfig({
  plugins: [svelte(), keepDistPlaceholder(), svelteTesting()],
  build: {
    outDir,
    emptyOutDir: true,
    // The app runs inside WebKitGTK / WebView2 shipped with the OS; no legacy targets.
    target: 'es2022',
    sourcemap: false,
    // The OpenJPEG wasm (JPEG 2000 portraits) is inlined as a data: URL into its lazily loaded chunk:
    // no fetch() of a separate file, which the webviews' custom schemes need not support.
    assetsInlineLimit: (file) => (file.endsWith('.wasm') ? true : undefined),
  },
  preview: {
    host: '127.0.0.1',
    strictPort: true,
  },
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.test.ts'],
    restoreMocks: true,
    unstubGlobals: true,
  },
});
