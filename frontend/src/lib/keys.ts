/** True when the key press belongs to a text field (shortcuts must not steal typed characters). */
export function isTyping(e: KeyboardEvent): boolean {
  const el = e.target;
  if (!(el instanceof HTMLElement)) return false;
  if (el.isContentEditable) return true;
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  if (el instanceof HTMLInputElement) return !['checkbox', 'radio', 'button', 'submit'].includes(el.type);
  return false;
}

/** A plain key press: no Ctrl/Alt/Meta, not repeated, not already handled. */
export function isPlainKey(e: KeyboardEvent): boolean {
  return !e.ctrlKey && !e.altKey && !e.metaKey && !e.repeat && !e.defaultPrevented;
}

/** A plain letter or digit shortcut outside text fields. */
export function shortcut(e: KeyboardEvent): string | null {
  if (!isPlainKey(e) || isTyping(e)) return null;
  return e.key.length === 1 ? e.key.toLowerCase() : e.key;
}

/**
 * True when the focus is on no control (the page, or the main area App moves
 * it to): a view may then take it, and Enter may mean the view's main action.
 */
export function focusIsFree(el: Element | EventTarget | null = document.activeElement): boolean {
  if (el === null || el === document.body || el === document.documentElement) return true;
  return el instanceof HTMLElement && el.tagName === 'MAIN';
}
