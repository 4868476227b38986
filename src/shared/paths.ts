import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project root, found from this file whether it runs from src/ (tsx, vitest) or dist/src/
 * (built): locales/, data/ and migrations/ are read from there at run time.
 */
export const projectRoot: string = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'locales'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error('project root (with package.json and locales/) not found');
})();

export const rootPath = (...parts: string[]): string => path.join(projectRoot, ...parts);

/** True when the module at `metaUrl` is the script node was started with. */
export const isMain = (metaUrl: string): boolean => !!process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(metaUrl);
