/**
 * The sample data's pictures: clean illustrations drawn as SVG here and rendered to PNG with resvg
 * into data/photos/, where the seed data names them (`asset:models/model-y.png`). The PNGs are
 * committed, so the bot only reads files at run time; run `npm run photos:draw` after changing a
 * drawing (or adding a model or product) and commit the result.
 *
 * They are illustrations, not product photography: replace them with the brand's own images
 * before going live (the data files say the same of the prices).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isMain, rootPath } from '../shared/paths.js';

export const PHOTO_WIDTH = 960;
export const PHOTO_HEIGHT = 600;

interface CarShape {
  /** x of the rear and the nose. */
  rear: number;
  nose: number;
  /** y of the roof and of the beltline (where the glass starts). */
  roof: number;
  belt: number;
  /** Wheel centres (x) and radius. */
  wheels: [number, number];
  wheelR: number;
  /** Where the roof starts (behind) and ends (at the windscreen). */
  roofFrom: number;
  roofTo: number;
}

const SEDAN: CarShape = { rear: 130, nose: 840, roof: 262, belt: 338, wheels: [258, 700], wheelR: 58, roofFrom: 420, roofTo: 560 };
const SUV: CarShape = { rear: 135, nose: 840, roof: 228, belt: 322, wheels: [262, 706], wheelR: 62, roofFrom: 250, roofTo: 575 };
const LONG_SUV: CarShape = { rear: 105, nose: 855, roof: 226, belt: 320, wheels: [245, 726], wheelR: 62, roofFrom: 215, roofTo: 600 };

/** The model's picture: its shape, in a paint the data offers for it, and its name. */
const MODELS: Record<string, { name: string; shape: CarShape; paint: string; trim?: string }> = {
  'model-3': { name: 'Model 3', shape: SEDAN, paint: '#a3141b' },
  'model-y': { name: 'Model Y', shape: SUV, paint: '#4b4f55' },
  'model-y-l': { name: 'Model Y L', shape: LONG_SUV, paint: '#9ea3aa' },
  'model-s': { name: 'Model S', shape: { ...SEDAN, rear: 115, nose: 850, wheels: [250, 712], roofFrom: 400 }, paint: '#1e3a66' },
  'model-x': { name: 'Model X', shape: { ...SUV, rear: 120, nose: 850, roof: 222, wheels: [255, 716] }, paint: '#16181b' },
};

const BACKDROP =
  `<defs><linearGradient id="bg" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#f7f8f9"/><stop offset=".72" stop-color="#e6e8eb"/>` +
  `<stop offset="1" stop-color="#d9dce0"/></linearGradient>` +
  `<radialGradient id="shadow" cx=".5" cy=".5" r=".5"><stop offset="0" stop-color="#000" stop-opacity=".32"/><stop offset="1" stop-color="#000" stop-opacity="0"/></radialGradient>` +
  `<linearGradient id="glass" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#3b4654"/><stop offset="1" stop-color="#1b2129"/></linearGradient>` +
  `<linearGradient id="shine" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#fff" stop-opacity=".35"/><stop offset=".45" stop-color="#fff" stop-opacity="0"/>` +
  `<stop offset="1" stop-color="#000" stop-opacity=".25"/></linearGradient></defs>` +
  `<rect width="${PHOTO_WIDTH}" height="${PHOTO_HEIGHT}" fill="url(#bg)"/>`;

const svg = (body: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${PHOTO_WIDTH}" height="${PHOTO_HEIGHT}" viewBox="0 0 ${PHOTO_WIDTH} ${PHOTO_HEIGHT}">${BACKDROP}${body}</svg>`;

function wheel(cx: number, cy: number, r: number): string {
  const spokes = Array.from({ length: 5 }, (_, i) => {
    const a = (i * 72 * Math.PI) / 180;
    return `<line x1="${cx}" y1="${cy}" x2="${(cx + Math.cos(a) * r * 0.62).toFixed(1)}" y2="${(cy + Math.sin(a) * r * 0.62).toFixed(1)}" stroke="#8c9198" stroke-width="${(r * 0.16).toFixed(1)}" stroke-linecap="round"/>`;
  }).join('');
  return (
    `<circle cx="${cx}" cy="${cy}" r="${r + 7}" fill="#101214"/>` +
    `<circle cx="${cx}" cy="${cy}" r="${r}" fill="#1c1f23"/>` +
    `<circle cx="${cx}" cy="${cy}" r="${(r * 0.7).toFixed(1)}" fill="#c9ccd1"/>` +
    `<circle cx="${cx}" cy="${cy}" r="${(r * 0.66).toFixed(1)}" fill="#5d636b"/>${spokes}` +
    `<circle cx="${cx}" cy="${cy}" r="${(r * 0.14).toFixed(1)}" fill="#d7dadf"/>`
  );
}

/** A side view, nose to the right, in the studio. */
export function carSvg(modelId: string): string {
  const m = MODELS[modelId];
  if (!m) throw new Error(`no drawing for ${modelId}`);
  const s = m.shape;
  const ground = 470;
  const sill = ground - s.wheelR * 0.55;
  const [rw, fw] = s.wheels;
  const body =
    `M${s.rear + 8},${sill} C${s.rear - 6},${sill - 20} ${s.rear - 8},${s.belt + 30} ${s.rear + 4},${s.belt + 6}` +
    ` C${s.rear + 40},${s.belt - 14} ${s.roofFrom - 120},${s.belt - 22} ${s.roofFrom - 60},${s.belt - 30}` +
    ` C${s.roofFrom - 20},${s.roof + 20} ${s.roofFrom},${s.roof} ${s.roofFrom + 40},${s.roof}` +
    ` L${s.roofTo},${s.roof} C${s.roofTo + 50},${s.roof + 4} ${s.roofTo + 100},${s.belt - 24} ${s.roofTo + 150},${s.belt + 4}` +
    ` C${s.nose - 80},${s.belt + 14} ${s.nose - 14},${s.belt + 26} ${s.nose},${s.belt + 56}` +
    ` C${s.nose + 6},${sill - 40} ${s.nose},${sill - 8} ${s.nose - 14},${sill} Z`;
  const glassTop = s.roof + 10;
  const glass =
    `M${s.roofFrom - 40},${s.belt - 22} C${s.roofFrom - 10},${glassTop + 24} ${s.roofFrom + 10},${glassTop} ${s.roofFrom + 48},${glassTop}` +
    ` L${s.roofTo - 6},${glassTop} C${s.roofTo + 36},${glassTop + 4} ${s.roofTo + 80},${s.belt - 34} ${s.roofTo + 118},${s.belt - 8} Z`;
  const pillar = (s.roofFrom + s.roofTo) / 2 + 10;
  const doorX = pillar + 4;
  return svg(
    `<ellipse cx="${(s.rear + s.nose) / 2}" cy="${ground + 6}" rx="${(s.nose - s.rear) / 2 + 30}" ry="26" fill="url(#shadow)"/>` +
      `<circle cx="${rw}" cy="${ground - s.wheelR}" r="${s.wheelR + 12}" fill="#0d0f11"/><circle cx="${fw}" cy="${ground - s.wheelR}" r="${s.wheelR + 12}" fill="#0d0f11"/>` +
      `<path d="${body}" fill="${m.paint}"/><path d="${body}" fill="url(#shine)"/>` +
      `<path d="${glass}" fill="url(#glass)"/>` +
      `<rect x="${pillar - 5}" y="${glassTop}" width="10" height="${s.belt - glassTop - 20}" fill="#111"/>` +
      `<path d="M${doorX},${s.belt - 6} L${doorX + 6},${sill - 14}" stroke="#000" stroke-opacity=".35" stroke-width="2" fill="none"/>` +
      `<path d="M${s.roofFrom - 30},${s.belt - 4} L${s.roofFrom - 24},${sill - 14}" stroke="#000" stroke-opacity=".3" stroke-width="2" fill="none"/>` +
      `<rect x="${doorX + 40}" y="${s.belt + 16}" width="42" height="7" rx="3.5" fill="#000" fill-opacity=".35"/>` +
      `<rect x="${Math.max(s.roofFrom + 10, rw + s.wheelR + 20)}" y="${s.belt + 16}" width="42" height="7" rx="3.5" fill="#000" fill-opacity=".35"/>` +
      `<path d="M${s.nose - 60},${s.belt + 30} q34,2 52,18 l-4,6 q-24,-10 -50,-14 z" fill="#e9f1ff"/>` +
      `<path d="M${s.rear + 4},${s.belt + 14} l34,-6 l-2,10 l-32,6 z" fill="#c1121c"/>` +
      wheel(rw, ground - s.wheelR, s.wheelR) +
      wheel(fw, ground - s.wheelR, s.wheelR) +
      `<text x="60" y="92" font-family="DejaVu Sans, Arial, sans-serif" font-size="46" font-weight="700" fill="#171a20">${m.name}</text>` +
      `<rect x="60" y="112" width="64" height="5" fill="#e82127"/>` +
      `<text x="${PHOTO_WIDTH - 40}" y="${PHOTO_HEIGHT - 28}" text-anchor="end" font-family="DejaVu Sans, Arial, sans-serif" font-size="18" fill="#8a8f96">Illustration</text>`,
  );
}

// ---- the store ----------------------------------------------------------------------------------

const ink = '#2a2e34';
const tile = (body: string) =>
  svg(
    `<ellipse cx="480" cy="505" rx="300" ry="26" fill="url(#shadow)"/>${body}` +
      `<text x="${PHOTO_WIDTH - 40}" y="${PHOTO_HEIGHT - 28}" text-anchor="end" font-family="DejaVu Sans, Arial, sans-serif" font-size="18" fill="#8a8f96">Illustration</text>`,
  );

const cable = (d: string, width = 14) => `<path d="${d}" fill="none" stroke="#1d2024" stroke-width="${width}" stroke-linecap="round"/>`;

/** One drawing per product of data/store.json, by product id. */
const PRODUCTS: Record<string, () => string> = {
  'wall-connector': () =>
    tile(
      `<rect x="380" y="90" width="200" height="330" rx="46" fill="#f4f5f6" stroke="#c8ccd1" stroke-width="4"/>` +
        `<rect x="400" y="110" width="160" height="290" rx="36" fill="#fbfbfc"/><rect x="455" y="180" width="50" height="8" rx="4" fill="#3e6ae1"/>` +
        cable('M480 420 C480 500 640 500 650 420 C660 340 720 330 730 400', 16) +
        `<rect x="712" y="390" width="36" height="70" rx="12" fill="#2a2e34"/>`,
    ),
  'mobile-connector': () =>
    tile(
      `<rect x="300" y="250" width="170" height="110" rx="24" fill="#f1f2f4" stroke="#c8ccd1" stroke-width="4"/><circle cx="385" cy="305" r="14" fill="#3e6ae1"/>` +
        cable('M300 305 C220 305 200 420 280 440 C360 460 520 460 560 410 C600 360 640 360 680 380') +
        `<rect x="670" y="360" width="70" height="44" rx="10" fill="${ink}"/>` +
        cable('M470 305 C540 305 560 250 620 240') +
        `<rect x="610" y="212" width="56" height="56" rx="14" fill="${ink}"/><circle cx="628" cy="240" r="5" fill="#ccc"/><circle cx="648" cy="240" r="5" fill="#ccc"/>`,
    ),
  'gbt-adapter': () =>
    tile(
      `<rect x="330" y="200" width="300" height="150" rx="60" fill="${ink}"/><circle cx="630" cy="275" r="72" fill="#3a3f46"/>` +
        [0, 1, 2, 3, 4].map((i) => `<circle cx="${600 + (i % 3) * 28}" cy="${255 + Math.floor(i / 3) * 40}" r="10" fill="#d0d3d8"/>`).join('') +
        `<rect x="270" y="245" width="70" height="60" rx="12" fill="#c9ccd1"/>`,
    ),
  'floor-mats': () =>
    tile(
      `<path d="M250 170 L450 150 L470 440 L270 460 Z" fill="${ink}"/><path d="M510 150 L710 170 L690 460 L490 440 Z" fill="${ink}"/>` +
        [0, 1, 2, 3, 4, 5].map((i) => `<path d="M${290 + i * 2} ${210 + i * 40} L${430 + i * 2} ${198 + i * 40}" stroke="#474c54" stroke-width="8"/>`).join('') +
        [0, 1, 2, 3, 4, 5].map((i) => `<path d="M${530 - i * 2} ${198 + i * 40} L${670 - i * 2} ${210 + i * 40}" stroke="#474c54" stroke-width="8"/>`).join(''),
    ),
  'roof-rack': () =>
    tile(
      `<path d="M200 380 C260 250 700 250 760 380" fill="none" stroke="#9aa0a7" stroke-width="10"/>` +
        `<rect x="230" y="250" width="500" height="26" rx="13" fill="${ink}"/><rect x="230" y="320" width="500" height="26" rx="13" fill="${ink}"/>` +
        `<rect x="250" y="240" width="30" height="120" rx="8" fill="#4a4f57"/><rect x="680" y="240" width="30" height="120" rx="8" fill="#4a4f57"/>`,
    ),
  'screen-protector': () =>
    tile(
      `<rect x="250" y="140" width="460" height="300" rx="22" fill="${ink}"/><rect x="268" y="158" width="424" height="264" rx="10" fill="#2f3e55"/>` +
        `<path d="M268 158 L520 158 L360 422 L268 422 Z" fill="#fff" fill-opacity=".16"/><rect x="455" y="440" width="50" height="50" fill="#4a4f57"/>`,
    ),
  'console-organiser': () =>
    tile(
      `<path d="M270 230 L690 230 L650 420 L310 420 Z" fill="${ink}"/><path d="M300 250 L660 250 L630 400 L330 400 Z" fill="#3a3f46"/>` +
        `<rect x="470" y="250" width="14" height="150" fill="${ink}"/><rect x="350" y="300" width="90" height="60" rx="10" fill="#c9ccd1"/>`,
    ),
  sunshade: () =>
    tile(
      `<rect x="220" y="150" width="520" height="300" rx="30" fill="#2b2f35"/>` +
        Array.from({ length: 7 }, (_, i) => `<line x1="${285 + i * 65}" y1="170" x2="${285 + i * 65}" y2="430" stroke="#454a52" stroke-width="6"/>`).join('') +
        `<rect x="220" y="150" width="520" height="300" rx="30" fill="none" stroke="#5a6069" stroke-width="8"/>`,
    ),
  'mud-flaps': () =>
    tile(
      `<path d="M300 160 L430 160 L440 420 Q370 450 300 420 Z" fill="${ink}"/><path d="M530 160 L660 160 L660 420 Q590 450 520 420 Z" fill="${ink}"/>` +
        `<circle cx="330" cy="190" r="8" fill="#9aa0a7"/><circle cx="400" cy="190" r="8" fill="#9aa0a7"/><circle cx="560" cy="190" r="8" fill="#9aa0a7"/><circle cx="630" cy="190" r="8" fill="#9aa0a7"/>`,
    ),
  'tyre-inflator': () =>
    tile(
      `<rect x="350" y="170" width="220" height="280" rx="36" fill="${ink}"/><rect x="385" y="205" width="150" height="90" rx="12" fill="#0f1a12"/>` +
        `<text x="460" y="265" text-anchor="middle" font-family="DejaVu Sans Mono, monospace" font-size="44" fill="#5be37d">2.9</text>` +
        `<circle cx="420" cy="360" r="20" fill="#4a4f57"/><circle cx="500" cy="360" r="20" fill="#e82127"/>` +
        cable('M570 400 C650 400 660 300 720 290', 10) +
        `<rect x="712" y="270" width="40" height="36" rx="8" fill="#9aa0a7"/>`,
    ),
  cap: () =>
    tile(
      `<path d="M300 360 C300 200 620 180 640 340 Z" fill="${ink}"/><path d="M600 340 C690 330 760 350 780 380 C720 392 640 386 590 372 Z" fill="#1b1e22"/>` +
        `<path d="M470 190 L470 350" stroke="#3b4048" stroke-width="4"/><path d="M452 268 l18 -20 l18 20 l-18 -6 z" fill="#e82127"/>`,
    ),
  tee: () =>
    tile(
      `<path d="M380 130 L430 120 Q480 160 530 120 L580 130 L700 200 L650 280 L600 250 L600 470 L360 470 L360 250 L310 280 L260 200 Z" fill="${ink}"/>` +
        `<path d="M462 230 l18 -20 l18 20 l-18 -6 z" fill="#e82127"/>`,
    ),
  jacket: () =>
    tile(
      `<path d="M380 120 L440 110 L480 150 L520 110 L580 120 L700 200 L690 470 L600 470 L600 300 L360 300 L360 470 L270 470 L260 200 Z" fill="#30353c"/>` +
        `<path d="M360 300 L360 470 L600 470 L600 300 Z" fill="#30353c"/><line x1="480" y1="150" x2="480" y2="470" stroke="#9aa0a7" stroke-width="5"/>` +
        `<path d="M440 110 L480 150 L520 110 L510 160 L480 190 L450 160 Z" fill="#262a30"/>`,
    ),
};

export const drawnModels = (): string[] => Object.keys(MODELS);
export const drawnProducts = (): string[] => Object.keys(PRODUCTS);

export function productSvg(productId: string): string {
  const draw = PRODUCTS[productId];
  if (!draw) throw new Error(`no drawing for product ${productId}`);
  return draw();
}

/** Renders every drawing into data/photos/{models,store}/<id>.png; returns the files written. */
export async function drawPhotos(outDir = rootPath('data', 'photos')): Promise<string[]> {
  const { Resvg } = await import('@resvg/resvg-js');
  const render = (svgText: string) =>
    new Resvg(svgText, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, fitTo: { mode: 'width', value: PHOTO_WIDTH } }).render().asPng();
  const written: string[] = [];
  for (const [folder, ids, draw] of [
    ['models', drawnModels(), carSvg],
    ['store', drawnProducts(), productSvg],
  ] as const) {
    mkdirSync(path.join(outDir, folder), { recursive: true });
    for (const id of ids) {
      const file = path.join(outDir, folder, `${id}.png`);
      writeFileSync(file, render(draw(id)));
      written.push(file);
    }
  }
  return written;
}

if (isMain(import.meta.url)) {
  void drawPhotos().then((files) => process.stdout.write(`${files.length} pictures drawn into data/photos/\n`));
}
