import { render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import Portrait from '../src/components/Portrait.svelte';

// The JPEG 2000 decoding itself is tested against OpenJPEG in
// jpeg2000.test.ts and in the browser (e2e); here: which element is used.
describe('Portrait', () => {
  it('shows JPEG with an <img>', () => {
    render(Portrait, { props: { portrait: { mediaType: 'image/jpeg', dataUrl: 'data:image/jpeg;base64,/9j/' } } });
    expect(screen.getByTestId('portrait').dataset.kind).toBe('image');
    expect(screen.getByTestId('portrait-img').getAttribute('alt')).toBe('顔写真');
  });

  it('sends JPEG 2000 to the decoder and draws into a canvas', async () => {
    const decode = vi.fn(async () => Promise.reject(new Error('broken')));
    render(Portrait, { props: { portrait: { mediaType: 'image/jp2', dataUrl: 'data:image/jp2;base64,AAAADGpQICANCocK' }, decode } });
    expect(screen.getByTestId('portrait').dataset.kind).toBe('jpeg2000');
    expect(screen.getByTestId('portrait-canvas')).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId('portrait').dataset.status).toBe('failed'));
    expect(decode).toHaveBeenCalledWith(new Uint8Array([0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a]));
    expect(screen.getByTestId('portrait-failed').textContent).toBe('顔写真を表示できません');
    expect(screen.queryByTestId('portrait-img')).toBeNull();
  });

  it('decides by the bytes: JPEG labelled octet-stream is shown as image/jpeg', () => {
    render(Portrait, { props: { portrait: { mediaType: 'application/octet-stream', dataUrl: 'data:application/octet-stream;base64,/9j/4AAQ' } } });
    expect(screen.getByTestId('portrait').dataset.kind).toBe('image');
    expect(screen.getByTestId('portrait-img').getAttribute('src')).toBe('data:image/jpeg;base64,/9j/4AAQ');
  });

  it('a raw J2K codestream labelled octet-stream goes to the decoder', () => {
    const decode = vi.fn(async () => Promise.reject(new Error('x')));
    render(Portrait, { props: { portrait: { mediaType: 'application/octet-stream', dataUrl: 'data:application/octet-stream;base64,/0//UQAp' }, decode } });
    expect(screen.getByTestId('portrait').dataset.kind).toBe('jpeg2000');
    expect(decode).toHaveBeenCalled();
  });

  it('bytes that are no image are never put into an <img>, even labelled image/jpeg', () => {
    render(Portrait, { props: { portrait: { mediaType: 'image/jpeg', dataUrl: 'data:image/jpeg;base64,PHN2Zz48L3N2Zz4=' } } });
    expect(screen.getByTestId('portrait').dataset.kind).toBe('unknown');
    expect(screen.queryByTestId('portrait-img')).toBeNull();
    expect(screen.getByTestId('portrait-failed').textContent).toBe('顔写真を表示できません');
  });

  it('says so when there is no portrait', () => {
    render(Portrait, { props: { portrait: null } });
    expect(screen.getByTestId('portrait').dataset.kind).toBe('none');
    expect(screen.getByTestId('portrait').textContent).toContain('顔写真はありません');
  });
});
