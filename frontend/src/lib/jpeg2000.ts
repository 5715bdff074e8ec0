import type { OpenJPEGModule } from '@cornerstonejs/codec-openjpeg/decodewasmjs';

// The plastic My Number Card's photo is greyscale JPEG 2000, which neither
// WebKitGTK nor WebView2 can show. OpenJPEG compiled to WebAssembly
// (@cornerstonejs/codec-openjpeg, maintained by the Cornerstone medical
// viewer project) decodes it; the result is painted into a <canvas>.

export type Jpeg2000Error = 'not_jpeg2000' | 'decode_failed' | 'unsupported';

export class Jpeg2000DecodeError extends Error {
  constructor(
    readonly code: Jpeg2000Error,
    message: string,
  ) {
    super(`jpeg2000: ${message}`);
  }
}

export interface DecodedImage {
  width: number;
  height: number;
  /** RGBA, 8 bits per channel, ready for ImageData. */
  rgba: Uint8ClampedArray<ArrayBuffer>;
}

const JP2_SIGNATURE = [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a];
// SOC marker then SIZ marker: every raw codestream starts like this (15444-1 A.4.1).
const J2K_START = [0xff, 0x4f, 0xff, 0x51];

function startsWith(b: Uint8Array, prefix: number[]): boolean {
  return b.length >= prefix.length && prefix.every((v, i) => b[i] === v);
}

const JP2C = 0x6a703263; // 'jp2c'

/**
 * The codestream inside `bytes`: a raw .j2k as is, or the contiguous
 * codestream box ('jp2c') of a .jp2 file (15444-1 Annex I). The decoder build
 * reads codestreams only, so the box layer is walked here; it is a flat list
 * of length-prefixed boxes and needs no library.
 */
export function extractCodestream(bytes: Uint8Array): Uint8Array {
  if (startsWith(bytes, J2K_START)) return bytes;
  if (!startsWith(bytes, JP2_SIGNATURE)) throw new Jpeg2000DecodeError('not_jpeg2000', 'neither a JP2 file nor a codestream');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 0;
  while (off + 8 <= bytes.length) {
    let len = view.getUint32(off);
    const type = view.getUint32(off + 4);
    let header = 8;
    if (len === 1) {
      // XLBox: a 64-bit length follows the type.
      if (off + 16 > bytes.length) break;
      const big = view.getBigUint64(off + 8);
      if (big > BigInt(bytes.length)) break;
      len = Number(big);
      header = 16;
    } else if (len === 0) {
      len = bytes.length - off; // the last box runs to the end of the file
    }
    if (len < header || off + len > bytes.length) break;
    if (type === JP2C) return bytes.subarray(off + header, off + len);
    off += len;
  }
  throw new Jpeg2000DecodeError('not_jpeg2000', 'no codestream box in JP2 file');
}

/** Decodes with an already loaded OpenJPEG module. */
export function decodeWith(mod: OpenJPEGModule, bytes: Uint8Array): DecodedImage {
  const codestream = extractCodestream(bytes);
  const decoder = new mod.J2KDecoder();
  try {
    decoder.getEncodedBuffer(codestream.length).set(codestream);
    try {
      decoder.decode();
    } catch (e) {
      throw new Jpeg2000DecodeError('decode_failed', e instanceof Error ? e.message : String(e));
    }
    const info = decoder.getFrameInfo();
    const { width, height, bitsPerSample, componentCount } = info;
    if (width <= 0 || height <= 0 || (componentCount !== 1 && componentCount !== 3) || bitsPerSample > 16) {
      throw new Jpeg2000DecodeError('unsupported', `${componentCount} components, ${bitsPerSample} bits`);
    }
    const decoded = decoder.getDecodedBuffer();
    const bytesPerSample = bitsPerSample > 8 ? 2 : 1;
    const n = width * height;
    if (decoded.length < n * componentCount * bytesPerSample) {
      throw new Jpeg2000DecodeError('decode_failed', 'short pixel buffer');
    }
    // Samples are interleaved per pixel; wider samples are little-endian and
    // scaled down to 8 bits for display.
    const shift = bitsPerSample > 8 ? bitsPerSample - 8 : 0;
    const sample = (i: number): number => {
      if (bytesPerSample === 1) return decoded[i] ?? 0;
      const v = (decoded[2 * i] ?? 0) | ((decoded[2 * i + 1] ?? 0) << 8);
      return v >> shift;
    };
    const rgba = new Uint8ClampedArray(n * 4);
    for (let p = 0; p < n; p++) {
      if (componentCount === 1) {
        const g = sample(p);
        rgba[4 * p] = g;
        rgba[4 * p + 1] = g;
        rgba[4 * p + 2] = g;
      } else {
        rgba[4 * p] = sample(3 * p);
        rgba[4 * p + 1] = sample(3 * p + 1);
        rgba[4 * p + 2] = sample(3 * p + 2);
      }
      rgba[4 * p + 3] = 255;
    }
    return { width, height, rgba };
  } finally {
    decoder.delete();
  }
}

let loading: Promise<OpenJPEGModule> | null = null;

/**
 * Loads the decoder once, on first use. In the build the ~260 kB wasm is
 * inlined as a data: URL into this lazily loaded chunk (vite.config.ts
 * assetsInlineLimit), so it arrives by the same module loading as the app's
 * own code: no fetch() of a separate file, which the webviews' custom schemes
 * (wails://, http://wails.localhost) need not support, and never the network.
 * The dev server hands out a plain URL instead, which is fetched.
 */
export function loadOpenJPEG(): Promise<OpenJPEGModule> {
  loading ??= (async () => {
    const [{ default: factory }, { default: wasmDataUrl }] = await Promise.all([
      import('@cornerstonejs/codec-openjpeg/decodewasmjs'),
      import('@cornerstonejs/codec-openjpeg/decodewasm?url'),
    ]);
    // OpenJPEG's [INFO] lines are noise for the clerk's console; errors surface as exceptions.
    const wasm = wasmDataUrl.startsWith('data:')
      ? base64DataUrlBytes(wasmDataUrl)
      : new Uint8Array(await (await fetch(wasmDataUrl)).arrayBuffer());
    return factory({ wasmBinary: wasm, print: () => {}, printErr: () => {} });
  })();
  loading.catch(() => {
    loading = null;
  });
  return loading;
}

function base64DataUrlBytes(dataUrl: string): Uint8Array {
  const comma = dataUrl.indexOf(',');
  const bin = atob(dataUrl.slice(comma + 1));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The bytes of a base64 data: URL. */
export function dataUrlBytes(dataUrl: string): Uint8Array {
  const comma = dataUrl.indexOf(',');
  if (!dataUrl.startsWith('data:') || comma < 0 || !dataUrl.slice(0, comma).endsWith(';base64')) {
    throw new Jpeg2000DecodeError('not_jpeg2000', 'not a base64 data URL');
  }
  return base64DataUrlBytes(dataUrl);
}
