/**
 * Server-side charts draw Chinese as glyphs: with the Noto CJK font two different titles give two
 * different pictures, and the title's area has ink; with no font (what a server without
 * fonts-noto-cjk would do) resvg cannot tell the characters apart, so both titles come out the same.
 */
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { CJK_FONT_FILES, renderChart } from '../../src/telegram/charts/render.js';

const SIZE = { width: 600, height: 200 };
const titled = (text: string) => ({ title: { text, left: 'center', top: 40, textStyle: { fontSize: 48, color: '#000000' } } });

/** The title's band (rows 30–110) as dark-pixel flags. */
function band(buf: Buffer): { dark: number; bits: boolean[] } {
  const png = PNG.sync.read(buf);
  expect([png.width, png.height]).toEqual([SIZE.width, SIZE.height]);
  const bits: boolean[] = [];
  for (let y = 30; y < 110; y++)
    for (let x = 0; x < png.width; x++) {
      const i = (y * png.width + x) * 4;
      bits.push(png.data[i]! + png.data[i + 1]! + png.data[i + 2]! < 300);
    }
  return { dark: bits.filter(Boolean).length, bits };
}
const differing = (a: boolean[], b: boolean[]) => a.filter((v, i) => v !== b[i]).length;

describe('charts', () => {
  it('renders a zh title as glyphs with the CJK font, and as indistinguishable boxes without it', () => {
    const withFont = [band(renderChart(titled('购车转化漏斗'), SIZE)), band(renderChart(titled('客服满意度表'), SIZE))];
    const noFont = [band(renderChart(titled('购车转化漏斗'), SIZE, { fontFiles: [] })), band(renderChart(titled('客服满意度表'), SIZE, { fontFiles: [] }))];
    expect(withFont[0]!.dark).toBeGreaterThan(500);
    // Different characters, different shapes: hundreds of pixels apart.
    expect(differing(withFont[0]!.bits, withFont[1]!.bits)).toBeGreaterThan(500);
    // Without the font, the two titles cannot be told apart (empty or the same boxes).
    expect(differing(noFont[0]!.bits, noFont[1]!.bits)).toBe(0);
  }, 120_000);

  it('the font files the charts load are installed (fonts-noto-cjk)', async () => {
    const { existsSync } = await import('node:fs');
    expect(CJK_FONT_FILES.filter((f) => existsSync(f))).toEqual(CJK_FONT_FILES);
  });
});
