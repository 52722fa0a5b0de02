import { fileURLToPath, URL } from 'node:url'

import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vitest/config'

// The dev server stands where the gateway stands in production: /api/<service>/... goes
// to the service with the prefix removed, so the app never knows a service's port.
// The ports are `make run`'s, or REGISTRY_PORT, ... as scripts/run.py reads them.
const SERVICE_PORTS = { registry: 8001, activities: 8002, evaluation: 8003, notifications: 8004 }

const portOf = (service: string, port: number): string =>
  process.env[`${service.toUpperCase()}_PORT`] ?? String(port)

const proxy = Object.fromEntries(
  Object.entries(SERVICE_PORTS).map(([service, port]) => [
    `/api/${service}`,
    {
      target: `http://127.0.0.1:${portOf(service, port)}`,
      changeOrigin: true,
      rewrite: (path: string) => path.slice(`/api/${service}`.length) || '/',
    },
  ]),
)

export default defineConfig({
  base: '/',
  plugins: [vue()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: { host: '127.0.0.1', port: 5173, strictPort: true, proxy },
  build: {
    outDir: 'dist',
    // Element Plus and ECharts are big; split them so the login screen paints early.
    rollupOptions: {
      output: {
        manualChunks(id: string) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) {
            return 'echarts'
          }
          if (id.includes('node_modules/element-plus')) return 'element-plus'
          return undefined
        },
      },
    },
    chunkSizeWarningLimit: 1200,
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
})
