import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// `npm run build` writes dist/; the Maven build passes --outDir <server>/target/classes/webroot instead,
// so the pages end up in the server jar and are served at /.
// `npm run dev` serves the pages with hot reload and sends /api to a running `./study serve` (TUNELOOP_API).
export default defineConfig({
  build: {
    target: 'es2022',
    sourcemap: true,
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL('index.html', import.meta.url)),
        soundCheck: fileURLToPath(new URL('sound-check.html', import.meta.url)),
      },
    },
  },
  server: {
    proxy: {
      '/api': process.env.TUNELOOP_API ?? 'http://localhost:8080',
    },
  },
});
