import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { AnchorInfo, HistoryRow, Result, Settings, SettingsResult } from '../src/bridge';
import HistoryView from '../src/views/HistoryView.svelte';
import SettingsView from '../src/views/SettingsView.svelte';

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const settings: Settings = { reader: '', idleTimeoutSeconds: 120, trustPaths: ['/a.pem'], vicalPaths: [], language: 'ja' };
const anchor: AnchorInfo = { subject: 'J-LIS CA key 01', country: 'JP', purpose: 'jlis', fingerprint: '01', notAfter: '', source: 'demo' };

function api(save: (s: Settings) => SettingsResult) {
  return {
    settings: vi.fn(async () => ok(settings)),
    saveSettings: vi.fn(async (s: Settings) => ok(save(s))),
    trustAnchors: vi.fn(async () => ok([anchor])),
  };
}

describe('SettingsView', () => {
  it('loads, edits and saves; paths are one per line, blanks dropped', async () => {
    const a = api((s) => ({ ok: true, error: null, settings: s }));
    render(SettingsView, { props: { readers: [{ name: 'PaSoRi', cardPresent: false }], api: a } });
    await waitFor(() => expect((screen.getByTestId('settings-idle') as HTMLInputElement).value).toBe('120'));
    expect(screen.getByTestId('anchors').textContent).toContain('J-LIS CA鍵');
    expect(screen.getByTestId('anchors').textContent).toContain('デモ用');
    expect(screen.getByTestId('anchors').textContent).not.toContain('有効期限');
    await fireEvent.input(screen.getByTestId('settings-idle'), { target: { value: '300' } });
    await fireEvent.input(screen.getByTestId('settings-trust'), { target: { value: '/a.pem\n\n  /dir/  \n' } });
    await fireEvent.change(screen.getByTestId('settings-reader'), { target: { value: 'PaSoRi' } });
    await fireEvent.keyDown(window, { key: 's', ctrlKey: true });
    await waitFor(() => expect(screen.getByTestId('settings-outcome').textContent?.trim()).toBe('保存しました'));
    expect(a.saveSettings).toHaveBeenCalledWith({ reader: 'PaSoRi', idleTimeoutSeconds: 300, trustPaths: ['/a.pem', '/dir/'], vicalPaths: [], language: 'ja' });
  });

  it('shows Go’s error code in plain language, with its detail', async () => {
    const a = api((s) => ({ ok: false, error: { code: 'vical', detail: '/v.cbor: signature_invalid' }, settings: s }));
    render(SettingsView, { props: { readers: [], api: a } });
    await waitFor(() => expect((screen.getByTestId('settings-idle') as HTMLInputElement).value).toBe('120'));
    await fireEvent.click(screen.getByTestId('settings-save'));
    await waitFor(() => expect(screen.getByTestId('settings-outcome').textContent).toContain('VICALを読み込めませんでした：/v.cbor: signature_invalid'));
  });

  it('does not save an idle timeout out of range', async () => {
    const a = api((s) => ({ ok: true, error: null, settings: s }));
    render(SettingsView, { props: { readers: [], api: a } });
    await waitFor(() => expect((screen.getByTestId('settings-idle') as HTMLInputElement).value).toBe('120'));
    await fireEvent.input(screen.getByTestId('settings-idle'), { target: { value: '5' } });
    expect((screen.getByTestId('settings-save') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.keyDown(window, { key: 's', ctrlKey: true });
    expect(a.saveSettings).not.toHaveBeenCalled();
  });
});

describe('HistoryView', () => {
  it('lists rows without personal data: time, purpose, document, result, face check', async () => {
    const rows: HistoryRow[] = [
      { time: '2026-11-27T01:02:00Z', purpose: 'age-check', docType: 'org.iso.18013.5.1.mDL', source: 'phone', overall: 'declined', confirmed: 'none', checks: [] },
      { time: '2026-11-27T00:59:00Z', purpose: 'custom', docType: 'jp.mynumbercard', source: 'card', overall: 'valid', confirmed: 'match', checks: [] },
    ];
    const load = vi.fn(async () => ok(rows));
    render(HistoryView, {
      props: {
        purposes: [{ id: 'age-check', name: { ja: '年齢確認', en: 'Age check' }, legalBasis: { ja: '', en: '' }, attributes: [], retain: [], retentionDays: 0, ageOver: 20 }],
        load,
      },
    });
    await waitFor(() => expect(screen.getByTestId('history-table')).toBeTruthy());
    expect(load).toHaveBeenCalledWith(50);
    const text = screen.getByTestId('history-table').textContent ?? '';
    for (const s of ['年齢確認', '運転免許証（スマートフォン）', '辞退', 'custom', 'マイナンバーカード', '有効', '一致']) expect(text).toContain(s);
  });

  it('says when there is nothing yet, or when loading failed', async () => {
    render(HistoryView, { props: { purposes: null, load: async () => ok([]) } });
    await waitFor(() => expect(screen.getByTestId('history-view').textContent).toContain('まだ記録はありません'));
  });
});
