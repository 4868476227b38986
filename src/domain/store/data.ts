import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { storeProducts, storeVariants, type StoreProduct, type StoreVariant } from '../../db/schema/index.js';
import { rootPath } from '../../shared/paths.js';

const localized = z.object({ 'zh-CN': z.string().min(1), en: z.string().min(1) });
/** Ids travel in callback data: short, lower-case (see the `id` field of src/bot/callback-data). */
const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/);

/** The shape of data/store.json; prices there are whole yuan, stored in fen. */
export const storeFile = z.object({
  products: z.array(
    z.object({
      id: slug,
      category: z.enum(['charging', 'accessories', 'apparel']),
      name: localized,
      description: localized,
      photoUrl: z.string().url(),
      fits: z.array(z.string()).optional(),
      installation: z.boolean().optional(),
      variants: z
        .array(
          z.object({
            id: slug,
            price: z.number().int().positive(),
            stock: z.number().int().nonnegative(),
            label: localized.optional(),
            colour: localized.optional(),
            size: z.string().optional(),
            model: z.string().optional(),
          }),
        )
        .min(1),
    }),
  ),
});
export type StoreFile = z.infer<typeof storeFile>;

export function readStoreFile(file = rootPath('data', 'store.json')): StoreFile {
  return storeFile.parse(JSON.parse(readFileSync(file, 'utf8')));
}

/** Rows as the file gives them; what ops set (hidden, the low-stock threshold) keeps its default or its current value. */
export type SeedProduct = Omit<StoreProduct, 'hidden'>;
export type SeedVariant = Omit<StoreVariant, 'hidden' | 'lowStockThreshold' | 'lowStockAlertedAt'>;

export function storeRows(data: StoreFile): Array<{ product: SeedProduct; variants: SeedVariant[] }> {
  return data.products.map((p, i) => ({
    product: {
      id: p.id,
      category: p.category,
      name: p.name,
      description: p.description,
      photoUrl: p.photoUrl,
      fitsModels: p.fits ?? [],
      needsInstallation: p.installation ?? false,
      sort: i,
    },
    variants: p.variants.map((v, j) => ({
      id: v.id,
      productId: p.id,
      attributes: {
        ...(v.label ? { label: v.label } : {}),
        ...(v.colour ? { colour: v.colour } : {}),
        ...(v.size ? { size: v.size } : {}),
        ...(v.model ? { model: v.model } : {}),
      },
      priceFen: v.price * 100,
      stock: v.stock,
      held: 0,
      sort: j,
    })),
  }));
}

/**
 * Upserts the store's products and variants. Names, photos and prices follow the file; stock is
 * only set when a variant is new, so seeding again never undoes sales or holds (restocking is a
 * stock change, not a re-seed). A price ops changed (/stock, `npm run ops -- stock price`, audited
 * in catalog_audit) is kept, as are hidden flags and low-stock thresholds.
 */
export async function seedStore(db: Db, file?: string): Promise<void> {
  const data = readStoreFile(file);
  await db.transaction(async (tx) => {
    for (const { product, variants } of storeRows(data)) {
      await tx.insert(storeProducts).values(product).onConflictDoUpdate({ target: storeProducts.id, set: product });
      for (const v of variants) {
        await tx
          .insert(storeVariants)
          .values(v)
          .onConflictDoUpdate({
            target: storeVariants.id,
            set: {
              productId: v.productId,
              attributes: v.attributes,
              priceFen: sql`case when exists (select 1 from catalog_audit a where a.entity = 'variant' and a.entity_id = ${v.id} and a.field = 'price')
                then ${storeVariants.priceFen} else ${v.priceFen} end`,
              sort: v.sort,
              stock: sql`${storeVariants.stock}`,
            },
          });
      }
    }
  });
}
