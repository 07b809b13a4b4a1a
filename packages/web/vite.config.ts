import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The server serves `dist/` at `/`; `npm run dev -w @parta/web` proxies the API to a running server.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
  server: {
    proxy: {
      '/api': { target: process.env.PARTA_API_URL ?? 'http://127.0.0.1:8080', ws: true },
    },
  },
});
