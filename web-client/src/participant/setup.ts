/**
 * The playback setup a listening check records: the browser's family (never its full user-agent string), the
 * audio's sample rate and output latency, and the kind of device. Pure: the page passes in what the browser tells.
 */
import type { SetupAnswer } from './commands.ts';

export interface BrowserFacts {
  /** navigator.userAgentData.brands, where the browser has it. */
  readonly brands?: readonly { readonly brand: string; readonly version: string }[];
  readonly userAgent: string;
  /** matchMedia('(pointer: coarse)') / '(pointer: fine)' / '(hover: hover)'. */
  readonly coarsePointer: boolean;
  readonly finePointer: boolean;
  /** The screen's shorter and longer side in CSS pixels. */
  readonly screenShort: number;
  readonly screenLong: number;
  readonly touchPoints: number;
  readonly sampleRate?: number;
  /** AudioContext.outputLatency, else baseLatency (seconds). */
  readonly outputLatency?: number;
  readonly baseLatency?: number;
}

/** Families in the order to try them: Edge and Opera also say "Chrome", Chrome also says "Safari". */
const FAMILIES: readonly [RegExp, string][] = [
  [/Edg(?:e|A|iOS)?\/(\d+)/, 'Edge'],
  [/(?:OPR|Opera)\/(\d+)/, 'Opera'],
  [/SamsungBrowser\/(\d+)/, 'Samsung Internet'],
  [/(?:Firefox|FxiOS)\/(\d+)/, 'Firefox'],
  [/(?:Chrome|Chromium|CriOS)\/(\d+)/, 'Chrome'],
  [/Version\/(\d+)[^ ]* .*Safari\//, 'Safari'],
  [/Safari\//, 'Safari'],
];

/** The browser's family and major version ("Chrome 131"), from the brands if given, else the user agent. */
export function browserFamily(brands: BrowserFacts['brands'], userAgent: string): string {
  const named = (brands ?? []).filter((b) => !/Not.?A.?Brand/i.test(b.brand));
  const brand = named.find((b) => !/^Chromium$/i.test(b.brand)) ?? named[0];
  if (brand) {
    const name = brand.brand.replace(/^(Google|Microsoft) /, '');
    return `${name} ${brand.version.split('.')[0]}`.trim();
  }
  for (const [pattern, family] of FAMILIES) {
    const match = pattern.exec(userAgent);
    if (match) {
      return match[1] ? `${family} ${match[1]}` : family;
    }
  }
  return 'other';
}

/** The kind of device from its pointer and screen: a guess, but the same guess for everyone. */
export function deviceType(f: Pick<BrowserFacts, 'coarsePointer' | 'finePointer' | 'screenShort' | 'screenLong'
  | 'touchPoints' | 'userAgent'>): SetupAnswer['deviceType'] {
  if (f.coarsePointer && !f.finePointer) {
    return f.screenShort < 600 ? 'phone' : 'tablet';
  }
  if (f.finePointer) {
    // A touch screen with a fine pointer too is most often a laptop; a big screen without touch a desktop.
    return f.touchPoints > 0 || /Mobi|Laptop/i.test(f.userAgent) || f.screenLong <= 1600 ? 'laptop' : 'desktop';
  }
  return 'other';
}

/** The setup as the server takes it; latencies rounded to a tenth of a millisecond. */
export function setupAnswer(block: string, f: BrowserFacts): SetupAnswer {
  const latency = f.outputLatency && f.outputLatency > 0 ? f.outputLatency : f.baseLatency;
  return {
    block,
    browser: browserFamily(f.brands, f.userAgent).slice(0, 200),
    ...(f.sampleRate ? { sampleRate: Math.round(f.sampleRate) } : {}),
    ...(latency !== undefined && Number.isFinite(latency) ? { outputLatency: Math.round(latency * 10000) / 10000 } : {}),
    deviceType: deviceType(f),
  };
}

/** The setup in words, for the page: "Chrome 131, laptop, 48000 Hz, 12 ms output latency". */
export function describeSetup(s: SetupAnswer): string {
  return [s.browser, s.deviceType, s.sampleRate ? `${s.sampleRate} Hz` : null,
    s.outputLatency !== undefined ? `${Math.round(s.outputLatency * 1000)} ms output latency` : null]
    .filter((x) => x !== null).join(', ');
}
