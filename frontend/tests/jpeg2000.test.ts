/// <reference types="node" />
// @vitest-environment node
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import factory from '@cornerstonejs/codec-openjpeg/decodewasmjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { dataUrlBytes, decodeWith, extractCodestream, Jpeg2000DecodeError } from '../src/lib/jpeg2000';
import type { OpenJPEGModule } from '@cornerstonejs/codec-openjpeg/decodewasmjs';

// Fixtures made with OpenJPEG's own encoder (libopenjp2-tools):
//   opj_compress -i portrait-24x32.pgm -o portrait-24x32.j2k -n 3   (and .jp2)
// Lossless (reversible 5/3), so the decoded pixels must equal the PGM exactly.
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

function readPGM(b: Uint8Array): { width: number; height: number; pixels: Uint8Array } {
  const head = new TextDecoder().decode(b.subarray(0, 20));
  const m = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(head);
  if (m === null) throw new Error('bad pgm fixture');
  const width = Number(m[1]);
  const height = Number(m[2]);
  return { width, height, pixels: b.subarray(m[0].length, m[0].length + width * height) };
}

let mod: OpenJPEGModule;
beforeAll(async () => {
  const require = createRequire(import.meta.url);
  const wasm = readFileSync(require.resolve('@cornerstonejs/codec-openjpeg/decodewasm'));
  mod = await factory({ wasmBinary: wasm, print: () => {}, printErr: () => {} });
});

describe('JPEG 2000 decoding (OpenJPEG wasm)', () => {
  const pgm = readPGM(fixture('portrait-24x32.pgm'));

  it.each(['portrait-24x32.j2k', 'portrait-24x32.jp2'])('decodes %s to exactly the source pixels', (name) => {
    const img = decodeWith(mod, fixture(name));
    expect(img.width).toBe(pgm.width);
    expect(img.height).toBe(pgm.height);
    expect(img.rgba.length).toBe(pgm.width * pgm.height * 4);
    for (let i = 0; i < pgm.pixels.length; i++) {
      const g = pgm.pixels[i];
      if (img.rgba[4 * i] !== g || img.rgba[4 * i + 1] !== g || img.rgba[4 * i + 2] !== g || img.rgba[4 * i + 3] !== 255) {
        throw new Error(`pixel ${i}: got ${img.rgba[4 * i]}, want ${g}`);
      }
    }
  });

  it('finds the codestream inside a JP2 file', () => {
    const cs = extractCodestream(fixture('portrait-24x32.jp2'));
    expect([...cs.subarray(0, 4)]).toEqual([0xff, 0x4f, 0xff, 0x51]);
    expect(cs).toEqual(fixture('portrait-24x32.j2k'));
  });

  it.each<[string, Uint8Array]>([
    ['empty input', new Uint8Array()],
    ['a JPEG', new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10])],
    ['a JP2 signature without boxes', fixture('portrait-24x32.jp2').subarray(0, 12)],
    ['a JP2 with a box longer than the file', (() => {
      const b = fixture('portrait-24x32.jp2').slice(0, 40);
      b[12] = 0x7f;
      return b;
    })()],
  ])('rejects %s with a typed error', (_n, bytes) => {
    expect(() => decodeWith(mod, bytes)).toThrow(Jpeg2000DecodeError);
  });

  it('fails with a typed error, without crashing, on a truncated codestream', () => {
    expect(() => decodeWith(mod, fixture('portrait-24x32.j2k').slice(0, 60))).toThrow(Jpeg2000DecodeError);
  });

  it('reads base64 data URLs', () => {
    const bytes = fixture('portrait-24x32.j2k');
    const url = `data:image/j2k;base64,${Buffer.from(bytes).toString('base64')}`;
    expect(dataUrlBytes(url)).toEqual(bytes);
    expect(() => dataUrlBytes('data:image/j2k,abc')).toThrow(Jpeg2000DecodeError);
  });
});
