import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Overall, ResultView as Result } from '../src/bridge';
import { defaultLocale, locale, translate } from '../src/i18n';
import ResultView from '../src/views/ResultView.svelte';

afterEach(() => locale.set(defaultLocale));

const base: Result = {
  overall: 'valid',
  docType: 'org.iso.23220.1.jp.mnc',
  issuer: { country: 'JP', name: 'デジタル庁（テスト）' },
  attributes: [{ key: 'age_over_20', value: 'true' }],
  portrait: { mediaType: 'image/jpeg', dataUrl: 'data:image/jpeg;base64,/9j/4AAQ' },
  checks: [
    { id: 'issuer_chain', status: 'valid', code: 'ok' },
    { id: 'issuer_signature', status: 'valid', code: 'ok' },
    { id: 'device_auth', status: 'valid', code: 'ok' },
    { id: 'validity', status: 'valid', code: 'ok' },
  ],
  warnings: [],
};

function show(result: Result, extra: { idleSeconds?: number; onconfirm?: (m: boolean) => void } = {}) {
  const onconfirm = extra.onconfirm ?? vi.fn();
  render(ResultView, { props: { result, idleSeconds: extra.idleSeconds ?? 0, onconfirm } });
  return onconfirm;
}

describe('ResultView', () => {
  it('renders only the attributes it was given, with translated labels and values', () => {
    show(base);
    const rows = screen.getByTestId('attributes').querySelectorAll('.row');
    expect([...rows].map((r) => (r as HTMLElement).dataset.key)).toEqual(['age_over_20']);
    expect(rows[0]?.textContent).toContain('20歳以上');
    expect(rows[0]?.textContent).toContain('はい');
    expect(rows[0]?.querySelector('dd.val-yes')).not.toBeNull();
    // Nothing the purpose did not ask for appears, not even as an empty label.
    for (const label of ['氏名', '住所', '生年月日', '性別']) expect(screen.getByTestId('attributes').textContent).not.toContain(label);
  });

  it('shows the attributes of an account opening in English', () => {
    locale.set('en');
    show({
      ...base,
      attributes: [
        { key: 'name', value: '山田 花子' },
        { key: 'address', value: '東京都千代田区霞が関1-1-1' },
        { key: 'birth_date', value: '1990-04-12' },
        { key: 'sex', value: '2' },
      ],
    });
    const text = screen.getByTestId('attributes').textContent ?? '';
    for (const s of ['Name', '山田 花子', 'Address', 'Date of birth', '1990-04-12', 'Sex', 'Female']) expect(text).toContain(s);
  });

  it.each<[Overall, string, string]>([
    ['valid', '有効', 'Valid'],
    ['invalid', '無効', 'Invalid'],
    ['undetermined', '判定できません', 'Cannot decide'],
    ['declined', '辞退', 'Declined'],
  ])('has one badge for %s', (overall, ja, en) => {
    show({ ...base, overall });
    expect(screen.getByTestId('result-view').dataset.overall).toBe(overall);
    expect(screen.getByTestId('overall-badge').textContent?.trim()).toBe(ja);
    expect(translate('en', `result.overall.${overall}`)).toBe(en);
    expect(screen.getAllByTestId('overall-badge')).toHaveLength(1);
  });

  it('translates each check and its reason, and names the issuer', () => {
    show({
      ...base,
      overall: 'invalid',
      checks: [
        { id: 'issuer_chain', status: 'invalid', code: 'no_trusted_anchor' },
        { id: 'issuer_signature', status: 'invalid', code: 'signature_invalid' },
        { id: 'device_auth', status: 'valid', code: 'ok' },
        { id: 'validity', status: 'invalid', code: 'mso_expired' },
        { id: 'revocation', status: 'undetermined', code: 'revocation_not_available' },
        { id: 'future_check', status: 'not_checked', code: 'something_new' },
      ],
    });
    const item = (id: string) => screen.getByTestId('checks').querySelector(`[data-id="${id}"]`)?.textContent ?? '';
    expect(item('issuer_chain')).toContain('発行者');
    expect(screen.getByTestId('reason-issuer_chain').textContent).toContain('信頼リストにない発行者です');
    expect(item('issuer_signature')).toContain('署名');
    expect(screen.getByTestId('reason-issuer_signature').textContent).toContain('署名が正しくありません');
    expect(item('device_auth')).toContain('端末との結び付き');
    expect(screen.getByTestId('reason-device_auth').textContent?.trim()).toBe('このスマートフォンに発行された本物のデータです');
    expect(item('validity')).toContain('有効期限');
    expect(screen.getByTestId('reason-validity').textContent).toContain('有効期限が切れています');
    expect(screen.getByTestId('reason-revocation').textContent).toContain('失効情報を取得できませんでした');
    // An unknown check still says something, with its id and code.
    expect(item('future_check')).toContain('その他の確認（future_check）');
    expect(screen.getByTestId('reason-future_check').textContent).toContain('確認していません');
    expect(screen.getByTestId('reason-future_check').textContent).toContain('something_new');
    expect(screen.getByTestId('result-issuer').textContent).toContain('発行者：デジタル庁（テスト）');
  });

  it('colours the warnings: red for what makes it invalid, amber for the rest', () => {
    show({ ...base, overall: 'invalid', warnings: ['untrusted_issuer', 'extra_elements', 'expired', 'new_warning'] });
    const tone = (code: string) => (screen.getByTestId('warnings').querySelector(`[data-code="${code}"]`) as HTMLElement).dataset.tone;
    expect(tone('untrusted_issuer')).toBe('red');
    expect(tone('expired')).toBe('red');
    expect(tone('extra_elements')).toBe('amber');
    expect(tone('new_warning')).toBe('amber');
    expect(screen.getByTestId('warnings').textContent).toContain('要求していない項目が送られてきました');
    expect(screen.getByTestId('warnings').textContent).toContain('new_warning');
  });

  it('has no warnings list when there are none', () => {
    show(base);
    expect(screen.queryByTestId('warnings')).toBeNull();
  });

  it('confirms with Y and N, and with the buttons', async () => {
    const onconfirm = show(base);
    await fireEvent.keyDown(document.body, { key: 'y' });
    await fireEvent.keyDown(document.body, { key: 'N' });
    await fireEvent.click(screen.getByTestId('confirm-match'));
    await fireEvent.click(screen.getByTestId('confirm-mismatch'));
    expect(vi.mocked(onconfirm).mock.calls).toEqual([[true], [false], [true], [false]]);
    expect(screen.getByTestId('confirm-match').textContent).toContain('本人と一致');
    expect(screen.getByTestId('confirm-mismatch').textContent).toContain('一致しない');
  });

  it('a stray Enter does not confirm a face match', async () => {
    const onconfirm = show(base);
    await fireEvent.keyDown(document.body, { key: 'Enter' });
    expect(onconfirm).not.toHaveBeenCalled();
  });

  it('a declined result has one "finish" action instead of a face comparison', async () => {
    const onconfirm = show({ ...base, overall: 'declined', attributes: [], portrait: null });
    expect(screen.queryByTestId('confirm-match')).toBeNull();
    await fireEvent.keyDown(document.body, { key: 'y' });
    expect(onconfirm).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByTestId('confirm-finish'));
    expect(onconfirm).toHaveBeenCalledWith(false);
  });

  it('shows the idle countdown', () => {
    show(base, { idleSeconds: 120 });
    expect(screen.getByTestId('idle-countdown').textContent?.trim()).toBe('120秒後に自動で消去します');
  });

  it('shows a JPEG as an image and a missing portrait as a placeholder', () => {
    show(base);
    expect(screen.getByTestId('portrait').dataset.kind).toBe('image');
    expect(screen.getByTestId('portrait-img').getAttribute('src')).toBe(base.portrait?.dataUrl);
  });
});
