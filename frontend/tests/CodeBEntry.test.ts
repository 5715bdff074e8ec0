import { fireEvent, render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import { describe, expect, it, vi } from 'vitest';
import { checkCodeB, formatCodeB, incompleteMessage } from '../src/lib/codeb';
import CodeBEntry from '../src/views/CodeBEntry.svelte';

describe('checkCodeB', () => {
  it.each<[string, string, string[], boolean]>([
    ['a good code', '95012320311234', [], true],
    ['spaces and hyphens are ignored', '950123 2031-1234', [], true],
    ['month 13', '95132320311234', ['birth'], false],
    ['day 00', '95010020311234', ['birth'], false],
    ['31 April', '95043120311234', ['birth'], false],
    ['29 February (any century)', '00022920311234', [], true],
    ['expiry year 1999', '95012319991234', ['expiry'], false],
    ['both wrong', '95133019991234', ['birth', 'expiry'], false],
    ['too short', '9501232031', [], false],
  ])('%s', (_n, input, wrong, complete) => {
    const c = checkCodeB(input);
    expect(c.wrong).toEqual(wrong);
    expect(c.complete).toBe(complete);
  });

  it('names the part that is wrong', () => {
    expect(checkCodeB('951323').message?.key).toBe('codeb.error.birth');
    expect(checkCodeB('9501231999').message?.key).toBe('codeb.error.expiry');
    expect(checkCodeB('95012a').message?.key).toBe('codeb.error.notDigits');
    expect(incompleteMessage(checkCodeB('950123203112'))?.key).toBe('codeb.error.security');
    expect(incompleteMessage(checkCodeB('9501'))).toEqual({ key: 'codeb.error.length', params: { count: 10 } });
    expect(incompleteMessage(checkCodeB('95012320311234'))).toBeNull();
  });

  it('formats as typed: YYMMDD YYYY CCCC', () => {
    expect(formatCodeB('9501')).toBe('9501');
    expect(formatCodeB('95012320')).toBe('950123 20');
    expect(formatCodeB('95012320311234')).toBe('950123 2031 1234');
  });
});

async function type(input: HTMLElement, value: string) {
  await fireEvent.input(input, { target: { value } });
  await tick();
}

describe('CodeBEntry', () => {
  it('shows the remaining tries and submits a good code with Enter', async () => {
    const onsubmit = vi.fn();
    render(CodeBEntry, { props: { triesLeft: 3, onsubmit } });
    expect(screen.getByTestId('codeb-tries').textContent?.trim()).toBe('残り3回');
    const input = screen.getByTestId('codeb-input');
    expect(document.activeElement).toBe(input);
    await type(input, '95012320311234');
    expect((input as HTMLInputElement).value).toBe('950123 2031 1234');
    await fireEvent.submit(input.closest('form') as HTMLFormElement);
    expect(onsubmit).toHaveBeenCalledWith('95012320311234', false);
  });

  it('refuses a malformed code and says which part is wrong', async () => {
    const onsubmit = vi.fn();
    render(CodeBEntry, { props: { triesLeft: 3, onsubmit } });
    const input = screen.getByTestId('codeb-input');
    await type(input, '95013220311234');
    expect(screen.getByTestId('codeb-message').textContent?.trim()).toBe('生年月日（最初の6桁）が正しくありません');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    await fireEvent.submit(input.closest('form') as HTMLFormElement);
    expect(onsubmit).not.toHaveBeenCalled();

    await type(input, '9501232031');
    await fireEvent.submit(input.closest('form') as HTMLFormElement);
    expect(screen.getByTestId('codeb-message').textContent?.trim()).toBe('セキュリティコード（最後の4桁）が足りません');
    expect(onsubmit).not.toHaveBeenCalled();
  });

  it('with one try left, asks for an explicit confirmation and passes allowLastTry', async () => {
    const onsubmit = vi.fn();
    render(CodeBEntry, { props: { triesLeft: 1, onsubmit } });
    expect(screen.getByTestId('codeb-last-try').textContent).toContain('残りは1回です');
    const input = screen.getByTestId('codeb-input');
    await type(input, '95012320311234');
    await fireEvent.submit(input.closest('form') as HTMLFormElement);
    expect(onsubmit).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByTestId('codeb-allow-last'));
    await fireEvent.submit(input.closest('form') as HTMLFormElement);
    expect(onsubmit).toHaveBeenCalledWith('95012320311234', true);
  });

  it('shows why Go refused the last code until the clerk edits it', async () => {
    render(CodeBEntry, { props: { triesLeft: 2, refused: 'wrong_code_b', onsubmit: vi.fn() } });
    expect(screen.getByTestId('codeb-message').textContent).toContain('照合番号Bが違います');
    await type(screen.getByTestId('codeb-input'), '9');
    expect(screen.getByTestId('codeb-message').textContent?.trim()).toBe('');
  });

  it('Go saying retries_low also asks for the confirmation', () => {
    render(CodeBEntry, { props: { triesLeft: null, refused: 'retries_low', onsubmit: vi.fn() } });
    expect(screen.getByTestId('codeb-last-try')).toBeTruthy();
  });

  it('no warning and no checkbox while more tries are left', () => {
    render(CodeBEntry, { props: { triesLeft: null, onsubmit: vi.fn() } });
    expect(screen.getByTestId('codeb-tries').textContent?.trim()).toBe('残り回数：不明');
    expect(screen.queryByTestId('codeb-last-try')).toBeNull();
  });
});
