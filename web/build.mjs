// build.mjs: bundle the web UI with esbuild into OUTDIR (default
// ../build/web): OUTDIR/index.html and OUTDIR/assets/* (app.js, app.css and
// whatever the libraries need), each beside a gzip -9 copy NAME.gz that the
// server sends to clients accepting gzip. The server embeds OUTDIR at build
// time (src/web/), so nothing is fetched from anywhere at run time.
//
// Usage: node web/build.mjs [OUTDIR]
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, constants } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] || join(here, '..', 'build', 'web'));
const assets = join(out, 'assets');
rmSync(out, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

await build({
  entryPoints: { app: join(here, 'src', 'main.js') },
  bundle: true,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  legalComments: 'external',
  outdir: assets,
  loader: { '.woff2': 'file', '.svg': 'file', '.png': 'file' },
  assetNames: '[name]-[hash]',
  logLevel: 'warning',
});
copyFileSync(join(here, 'index.html'), join(out, 'index.html'));

// gzip copies, and the total the page costs a browser (the budget:
// JS + CSS under 1.5 MB gzip-compressed).
let total = 0;
const walk = (d) => {
  for (const name of readdirSync(d).sort()) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) { walk(p); continue; }
    if (name.endsWith('.gz')) continue;
    const gz = gzipSync(readFileSync(p), { level: constants.Z_BEST_COMPRESSION });
    writeFileSync(p + '.gz', gz);
    if (/\.(js|css)$/.test(name)) total += gz.length;
  }
};
walk(out);
console.log(`web: ${out}: JS + CSS ${(total / 1024).toFixed(1)} KiB gzip-compressed`);
