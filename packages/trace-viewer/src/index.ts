import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built web app's directory (`dist/app`: index.html and hashed assets). */
export function viewerAssetsDir(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), 'app');
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export interface ViewerFile {
  /** Absolute path on disk. */
  file: string;
  contentType: string;
  /** Hashed file names never change content: they may be cached for good. */
  immutable: boolean;
}

/**
 * Every file of the built app by URL path (`/`, `/assets/index-3f2a.js`), read from the
 * directory once. A server answers only these paths, so no request can reach another file.
 */
export function viewerFiles(dir = viewerAssetsDir()): Map<string, ViewerFile> {
  const files = new Map<string, ViewerFile>();
  const walk = (sub: string) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else if (entry.isFile()) {
        const type = TYPES[path.extname(entry.name).toLowerCase()];
        if (type) files.set(`/${rel}`, { file: path.join(dir, rel), contentType: type, immutable: rel.startsWith('assets/') });
      }
    }
  };
  if (fs.existsSync(dir)) walk('');
  const index = files.get('/index.html');
  if (index) files.set('/', { ...index, immutable: false });
  return files;
}
