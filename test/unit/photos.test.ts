/** The sample data's pictures (data/photos/, drawn by src/db/photos.ts) and how the bot sends them (PhotoLibrary). */
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { drawnModels, drawnProducts, PHOTO_HEIGHT, PHOTO_WIDTH } from '../../src/db/photos.js';
import { readCatalogFile } from '../../src/db/seed.js';
import { readStoreFile } from '../../src/domain/store/data.js';
import { assetFile, isPhotoRef } from '../../src/shared/photo-ref.js';
import { PhotoLibrary } from '../../src/telegram/photos.js';

const catalog = readCatalogFile();
const store = readStoreFile();
const refs = [...catalog.models.map((m) => m.photoUrl), ...store.products.map((p) => p.photoUrl)];

describe('data/photos', () => {
  it('every model and product names a picture shipped in data/photos/, a PNG of 960×600 that is not blank', () => {
    expect(refs.length).toBe(catalog.models.length + store.products.length);
    for (const ref of refs) {
      expect(ref).toMatch(/^asset:(models|store)\/[a-z0-9-]+\.png$/);
      const png = PNG.sync.read(readFileSync(assetFile(ref)!));
      expect([png.width, png.height]).toEqual([PHOTO_WIDTH, PHOTO_HEIGHT]);
      // Not one flat colour: count distinct pixels in a sample of rows.
      const colours = new Set<number>();
      for (let i = 0; i < png.data.length; i += 4 * 97) colours.add(png.data.readUInt32BE(i));
      expect(colours.size).toBeGreaterThan(20);
    }
  });

  it('the drawings cover exactly the models and products of the data files', () => {
    expect(drawnModels().sort()).toEqual(catalog.models.map((m) => m.id).sort());
    expect(drawnProducts().sort()).toEqual(store.products.map((p) => p.id).sort());
  });

  it('a photo reference is an asset path or an https URL; nothing else, and no way out of data/photos/', () => {
    expect(isPhotoRef('asset:models/model-y.png')).toBe(true);
    expect(isPhotoRef('https://example.com/a.jpg')).toBe(true);
    expect(isPhotoRef('http://example.com/a.jpg')).toBe(false);
    expect(isPhotoRef('asset:../secrets.png')).toBe(false);
    expect(isPhotoRef('asset:models/model-y.svg')).toBe(false);
    expect(assetFile('https://example.com/a.jpg')).toBeNull();
  });
});

describe('PhotoLibrary', () => {
  it('uploads an asset until Telegram gave a file_id for it, then sends the file_id; forgets it on request; a URL goes as it is', () => {
    const photos = new PhotoLibrary();
    const first = photos.input('asset:models/model-3.png');
    expect(first).toMatchObject({ filename: 'model-3.png' });
    expect(photos.isCached('asset:models/model-3.png')).toBe(false);
    photos.remember('asset:models/model-3.png', { photo: [{ file_id: 'small' }, { file_id: 'large' }] });
    expect(photos.input('asset:models/model-3.png')).toBe('large');
    expect(photos.isCached('asset:models/model-3.png')).toBe(true);
    photos.forget('asset:models/model-3.png');
    expect(photos.input('asset:models/model-3.png')).toMatchObject({ filename: 'model-3.png' });
    photos.remember('https://example.com/a.jpg', { photo: [{ file_id: 'x' }] });
    expect(photos.input('https://example.com/a.jpg')).toBe('https://example.com/a.jpg');
  });
});
