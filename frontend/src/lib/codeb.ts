import type { MessageKey } from '../i18n';

// 照合番号B: 14 digits printed on the My Number Card — birth date as YYMMDD,
// the card's expiry year as YYYY, and a 4-digit security code
// (research/mynumbercard.md). Checked here only for shape, so that a typo is
// caught before it spends one of the card's few tries.

export type CodeBPart = 'birth' | 'expiry' | 'security';

export interface CodeBCheck {
  /** The digits typed so far (spaces and hyphens removed). */
  digits: string;
  /** Parts that are complete and wrong. */
  wrong: CodeBPart[];
  /** The first message to show, if any. */
  message: { key: MessageKey; params?: Record<string, number> } | null;
  /** 14 digits, every part plausible. */
  complete: boolean;
}

export const CODE_B_LENGTH = 14;

function daysIn(month: number): number {
  // YY does not tell the century; 29 February is accepted for every year.
  return [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

export function checkCodeB(raw: string): CodeBCheck {
  const compact = raw.replace(/[\s-]/g, '');
  if (/\D/.test(compact)) {
    return { digits: compact.replace(/\D/g, ''), wrong: [], message: { key: 'codeb.error.notDigits' }, complete: false };
  }
  const digits = compact.slice(0, CODE_B_LENGTH);
  const wrong: CodeBPart[] = [];
  if (digits.length >= 6) {
    const mm = Number(digits.slice(2, 4));
    const dd = Number(digits.slice(4, 6));
    if (mm < 1 || mm > 12 || dd < 1 || dd > daysIn(mm)) wrong.push('birth');
  }
  if (digits.length >= 10) {
    // The first cards were issued in 2016 and are valid for at most 10 years
    // after the holder's next birthday, renewed since; nothing plausible lies outside this.
    const yyyy = Number(digits.slice(6, 10));
    if (yyyy < 2016 || yyyy > 2100) wrong.push('expiry');
  }
  let message: CodeBCheck['message'] = null;
  if (wrong[0] !== undefined) message = { key: wrong[0] === 'birth' ? 'codeb.error.birth' : 'codeb.error.expiry' };
  const complete = wrong.length === 0 && digits.length === CODE_B_LENGTH && compact.length === CODE_B_LENGTH;
  return { digits, wrong, message, complete };
}

/** The message when the clerk submits an incomplete code. */
export function incompleteMessage(c: CodeBCheck): { key: MessageKey; params?: Record<string, number> } | null {
  if (c.message !== null) return c.message;
  if (c.digits.length >= 10 && c.digits.length < CODE_B_LENGTH) return { key: 'codeb.error.security' };
  if (c.digits.length < CODE_B_LENGTH) return { key: 'codeb.error.length', params: { count: CODE_B_LENGTH - c.digits.length } };
  return null;
}

/** "YYMMDD YYYY CCCC" as typed so far. */
export function formatCodeB(digits: string): string {
  return [digits.slice(0, 6), digits.slice(6, 10), digits.slice(10, 14)].filter((p) => p !== '').join(' ');
}
