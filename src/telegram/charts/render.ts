import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';

/**
 * Server-side charts: Apache ECharts renders an option to an SVG string (its SSR mode, no DOM),
 * and resvg turns the SVG into a PNG for Telegram's sendPhoto. resvg draws text only with the
 * fonts it is given: without a CJK font, Chinese comes out as empty boxes ("tofu"), so the Noto CJK
 * files (Debian's fonts-noto-cjk; the Dockerfile installs them) are loaded explicitly.
 */
// Regular only: resvg parses every font file on each render (about 20 MB each), and a bold title
// drawn with the regular face reads well enough.
export const CJK_FONT_FILES = ['/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc'];
export const CHART_FONT_FAMILY = 'Noto Sans CJK SC';

export interface ChartSize {
  width: number;
  height: number;
}

/** Telegram shows photos up to 1280 px wide sharp; 1200 × 800 reads well on a phone and a desktop. */
export const DEFAULT_CHART_SIZE: ChartSize = { width: 1200, height: 800 };

/** The option as an SVG document (no animation: SSR takes the first frame). */
export function renderSvg(option: echarts.EChartsCoreOption, size: ChartSize = DEFAULT_CHART_SIZE): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: size.width, height: size.height });
  try {
    chart.setOption({ animation: false, backgroundColor: '#ffffff', textStyle: { fontFamily: CHART_FONT_FAMILY }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

export interface PngOptions {
  /** Font files to draw text with; the Noto CJK files by default (those present). */
  fontFiles?: string[];
}

/** An SVG drawn as a PNG at its own size, on white. */
export function svgToPng(svg: string, opts: PngOptions = {}): Buffer {
  const fontFiles = (opts.fontFiles ?? CJK_FONT_FILES).filter((f) => existsSync(f));
  const resvg = new Resvg(svg, {
    background: '#ffffff',
    font: { fontFiles, loadSystemFonts: false, defaultFontFamily: CHART_FONT_FAMILY, sansSerifFamily: CHART_FONT_FAMILY },
  });
  return resvg.render().asPng();
}

/** An ECharts option drawn as a PNG. */
export function renderChart(option: echarts.EChartsCoreOption, size: ChartSize = DEFAULT_CHART_SIZE, opts: PngOptions = {}): Buffer {
  return svgToPng(renderSvg(option, size), opts);
}
