// Which way to show a portrait is decided by its first bytes, not only by the
// media type Go sends: an mdoc portrait is a bare bstr (18013-5 §7.2.2:
// JPEG or JPEG 2000), and Go labels what it cannot tell as
// application/octet-stream. Only bytes that really are an image are shown, and
// an <img> only ever gets a data URL this module built.

export type PortraitKind = 'jpeg' | 'png' | 'jpeg2000' | 'unknown';

export interface SniffedPortrait {
  kind: PortraitKind;
  /** For jpeg/png: a data URL with the right image media type. */
  src: string;
}

function head(dataUrl: string, n: number): number[] {
  const comma = dataUrl.indexOf(',');
  if (comma < 0 || !dataUrl.slice(0, comma).endsWith(';base64')) return [];
  // 4 base64 characters carry 3 bytes.
  const chunk = dataUrl.slice(comma + 1, comma + 1 + Math.ceil(n / 3) * 4);
  try {
    return [...atob(chunk)].map((c) => c.charCodeAt(0));
  } catch {
    return [];
  }
}

const starts = (b: number[], sig: number[]) => sig.every((v, i) => b[i] === v);

export function sniffPortrait(dataUrl: string): SniffedPortrait {
  const b = head(dataUrl, 12);
  const payload = dataUrl.slice(dataUrl.indexOf(',') + 1);
  if (starts(b, [0xff, 0xd8, 0xff])) return { kind: 'jpeg', src: `data:image/jpeg;base64,${payload}` };
  if (starts(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { kind: 'png', src: `data:image/png;base64,${payload}` };
  if (starts(b, [0xff, 0x4f, 0xff, 0x51]) || starts(b, [0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a])) {
    return { kind: 'jpeg2000', src: '' };
  }
  return { kind: 'unknown', src: '' };
}
