/// <reference types="vitest/config" />
// Vite build of the mamori web UI. The output (dist/) is served by `mamori serve`
// from the same HTTPS origin as the API, under a strict CSP (no inline script or
// style, no eval), so nothing here may emit inline code.
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// `npm run dev` proxies the API to a running `mamori serve` (self-signed TLS).
const apiTarget = process.env.MAMORI_API ?? 'https://127.0.0.1:8443'

export default defineConfig({
  plugins: [vue()],
  define: {
    // vue-i18n esm-bundler feature flags: Composition API only, no devtools.
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
    __VUE_PROD_DEVTOOLS__: false,
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: false,
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The module-preload polyfill is only needed for old browsers.
    modulePreload: { polyfill: false },
    // Keep every asset a file: data: URIs for fonts/images are allowed by the CSP,
    // but files keep the policy simple to audit.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false, secure: false },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
})
