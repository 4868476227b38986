/**
 * Pictures for the sandbox: the seed's photo URLs (data/catalog.json, data/store.json) are
 * placeholders on a host that does not exist, and the sandbox never fetches anything from the
 * internet. Each address becomes a drawn picture instead: a car for the models, a product tile
 * for the store, named after the file.
 */
import { createHash } from 'node:crypto';

const PALETTE = ['#e82127', '#3e6ae1', '#171a20', '#5c5e62', '#2e7d32', '#8e24aa', '#00838f', '#ef6c00'];

const escapeXml = (s: string): string => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** "https://…/model-y.jpg" → "Model Y". */
export function pictureName(src: string): string {
  const base = (src.split(/[?#]/)[0] ?? src).split('/').pop() ?? src;
  return base
    .replace(/\.[a-z0-9]+$/i, '')
    .split(/[-_]/)
    .filter(Boolean)
    .map((word) => (word.length <= 2 ? word.toUpperCase() : word[0]!.toUpperCase() + word.slice(1)))
    .join(' ')
    .slice(0, 40);
}

const CAR =
  '<path d="M90 250 q10-45 60-55 l70-45 q25-14 60-14 h120 q40 0 70 22 l55 40 q60 8 75 30 q10 15 10 40 v20 h-520 z" fill="#fff" opacity=".92"/>' +
  '<circle cx="190" cy="290" r="38" fill="#222"/><circle cx="190" cy="290" r="16" fill="#bbb"/>' +
  '<circle cx="470" cy="290" r="38" fill="#222"/><circle cx="470" cy="290" r="16" fill="#bbb"/>' +
  '<path d="M240 160 l40-22 q18-9 42-9 h60 v55 h-150 z M400 129 h40 q28 0 50 17 l35 28 h-125 z" fill="#9ec3e6"/>';

const BOX =
  '<rect x="220" y="110" width="200" height="170" rx="18" fill="#fff" opacity=".92"/><path d="M250 170 h140 M250 205 h100 M250 240 h120" stroke="#bbb" stroke-width="12" stroke-linecap="round"/>';

/** An SVG picture for a photo address (640×400, like a product shot). */
export function pictureSvg(src: string): string {
  const digest = createHash('sha256').update(src).digest();
  const color = PALETTE[digest[0]! % PALETTE.length]!;
  const name = pictureName(src);
  const car = /model|car|tesla/i.test(src) && !/store/i.test(src);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 400" width="640" height="400">` +
    `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${color}"/><stop offset="1" stop-color="#111"/></linearGradient></defs>` +
    `<rect width="640" height="400" fill="url(#g)"/>${car ? CAR : BOX}` +
    `<text x="320" y="370" text-anchor="middle" font-family="sans-serif" font-size="34" font-weight="600" fill="#fff">${escapeXml(name)}</text></svg>`
  );
}
