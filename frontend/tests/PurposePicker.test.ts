import { fireEvent, render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PurposeInfo } from '../src/bridge';
import { defaultLocale, locale } from '../src/i18n';
import PurposePicker from '../src/views/PurposePicker.svelte';

afterEach(() => locale.set(defaultLocale));

const p = (id: string, ja: string, en: string, attributes: string[], ageOver = 0): PurposeInfo => ({
  id,
  name: { ja, en },
  legalBasis: { ja: `${ja}の根拠`, en: `basis of ${en}` },
  attributes,
  retain: [],
  retentionDays: 0,
  ageOver,
});

const purposes = [
  p('account-opening', '口座開設', 'Account opening', ['name', 'address', 'birth_date', 'portrait']),
  p('phone-contract', '携帯電話契約', 'Mobile phone contract', ['name', 'address', 'birth_date', 'portrait']),
  p('age-check', '年齢確認', 'Age check', ['age_over', 'portrait'], 18),
  p('rental', 'レンタル', 'Rental', ['name', 'driving_privileges']),
];

const checked = () => screen.getAllByRole('radio').filter((r) => r.getAttribute('aria-checked') === 'true').map((r) => r.dataset.testid);

describe('PurposePicker', () => {
  it('lists the purposes with name, legal basis and what they ask for', () => {
    render(PurposePicker, { props: { purposes, onstart: vi.fn() } });
    const age = screen.getByTestId('purpose-age-check');
    expect(age.textContent).toContain('年齢確認');
    expect(age.textContent).toContain('年齢確認の根拠');
    expect(age.textContent).toContain('年齢（18歳以上か）');
    expect(screen.getByTestId('purpose-rental').textContent).toContain('運転できる車両');
  });

  it('number keys pick, arrows move, Enter starts', async () => {
    const onstart = vi.fn();
    render(PurposePicker, { props: { purposes, onstart } });
    await tick();
    expect(checked()).toEqual(['purpose-account-opening']);
    expect(document.activeElement).toBe(screen.getByTestId('purpose-account-opening'));

    await fireEvent.keyDown(document.activeElement as Element, { key: '3' });
    expect(checked()).toEqual(['purpose-age-check']);
    expect(document.activeElement).toBe(screen.getByTestId('purpose-age-check'));

    await fireEvent.keyDown(document.activeElement as Element, { key: 'ArrowRight' });
    expect(checked()).toEqual(['purpose-rental']);
    await fireEvent.keyDown(document.activeElement as Element, { key: 'ArrowUp' });
    expect(checked()).toEqual(['purpose-phone-contract']);
    await fireEvent.keyDown(document.activeElement as Element, { key: 'ArrowLeft' });
    expect(checked()).toEqual(['purpose-account-opening']);
    await fireEvent.keyDown(document.activeElement as Element, { key: 'ArrowLeft' });
    expect(checked()).toEqual(['purpose-rental']);
    await fireEvent.keyDown(document.activeElement as Element, { key: '1' });

    await fireEvent.keyDown(document.activeElement as Element, { key: '9' });
    expect(checked()).toEqual(['purpose-account-opening']);

    await fireEvent.keyDown(document.activeElement as Element, { key: 'Enter' });
    expect(onstart).toHaveBeenCalledWith('account-opening');
  });

  it('only the chosen purpose is in the Tab order (one radio group)', async () => {
    render(PurposePicker, { props: { purposes, initial: 'rental', onstart: vi.fn() } });
    await tick();
    const tabbable = screen.getAllByRole('radio').filter((r) => r.tabIndex === 0);
    expect(tabbable.map((r) => r.dataset.testid)).toEqual(['purpose-rental']);
  });

  it('preselects the previous purpose and starts it with the button', async () => {
    const onstart = vi.fn();
    render(PurposePicker, { props: { purposes, initial: 'age-check', onstart } });
    expect(checked()).toEqual(['purpose-age-check']);
    await fireEvent.click(screen.getByTestId('start-check'));
    expect(onstart).toHaveBeenCalledWith('age-check');
  });

  it('ignores number keys typed into a text field', async () => {
    const input = document.createElement('input');
    document.body.append(input);
    render(PurposePicker, { props: { purposes, onstart: vi.fn() } });
    await fireEvent.keyDown(input, { key: '2' });
    expect(checked()).toEqual(['purpose-account-opening']);
    input.remove();
  });

  it('follows the language', async () => {
    locale.set('en');
    render(PurposePicker, { props: { purposes, onstart: vi.fn() } });
    await tick();
    expect(screen.getByTestId('purpose-age-check').textContent).toContain('Age check');
    expect(screen.getByTestId('purpose-age-check').textContent).toContain('Age (over 18?)');
  });

  it('says when the purposes could not be loaded', () => {
    render(PurposePicker, {
      props: { purposes: null, error: { code: 'call_failed', op: 'Counter.Purposes', detail: '' }, onstart: vi.fn() },
    });
    expect(screen.getByTestId('purposes-state').textContent).toContain('目的を読み込めませんでした');
  });
});
