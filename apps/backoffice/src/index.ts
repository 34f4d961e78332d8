import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of the back office as the cash server serves it. */
export interface BackofficeFile {
  /** The URL path ("/" for the page itself). */
  readonly path: string;
  readonly type: string;
  readonly body: Buffer;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

const UI = [
  'index.html',
  'style.css',
  'app.js',
  'api.js',
  'format.js',
  'charts.js',
  'dialog.js',
  'dashboard.js',
  'reports.js',
  'catalog.js',
  'devices.js',
  'fiscal.js',
  'logo.svg',
] as const;

/**
 * The back office: plain pages and modules, no build step. The page is served at `/`, its
 * files under `/ui/`, and Chart.js from its package (nothing is fetched from the internet).
 */
export function backofficeFiles(): BackofficeFile[] {
  const dir = fileURLToPath(new URL('./ui/', import.meta.url));
  const type = (f: string) => TYPES[f.slice(f.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
  const chart = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
  return [
    ...UI.map((f) => ({
      path: f === 'index.html' ? '/' : `/ui/${f}`,
      type: type(f),
      body: readFileSync(join(dir, f)),
    })),
    { path: '/ui/chart.umd.min.js', type: TYPES.js!, body: readFileSync(chart) },
  ];
}
