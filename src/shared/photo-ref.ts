import path from 'node:path';
import { rootPath } from './paths.js';

/**
 * A picture as the data names it: `asset:<folder>/<name>.png` for a file shipped in data/photos/
 * (sent as an upload, then by Telegram's file_id), or an https URL Telegram fetches itself.
 */
const ASSET = /^asset:([a-z0-9][a-z0-9_-]*(?:\/[a-z0-9][a-z0-9_-]*)*\.(?:png|jpe?g))$/;

export const isAssetRef = (ref: string): boolean => ASSET.test(ref);

export function isPhotoRef(ref: string): boolean {
  if (isAssetRef(ref)) return true;
  try {
    return new URL(ref).protocol === 'https:';
  } catch {
    return false;
  }
}

/** The file an `asset:` reference names (under data/photos/), or null for anything else. */
export function assetFile(ref: string, dir = rootPath('data', 'photos')): string | null {
  const m = ASSET.exec(ref);
  return m ? path.join(dir, ...m[1]!.split('/')) : null;
}
