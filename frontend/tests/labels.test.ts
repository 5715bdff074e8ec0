import { describe, expect, it } from 'vitest';
import { reasonKey } from '../src/lib/labels';

describe('reasonKey', () => {
  it('says revocation was simply not checked when no CRL is configured', () => {
    expect(reasonKey({ id: 'revocation', status: 'not_checked', code: 'not_configured' }).key).toBe('reason.revocation_not_checked');
  });
  it('keeps the generic not-configured text for other checks', () => {
    expect(reasonKey({ id: 'issuer_chain', status: 'invalid', code: 'not_configured' }).key).toBe('reason.not_configured');
  });
  it('maps an expired document signer to the expiry text', () => {
    expect(reasonKey({ id: 'issuer_chain', status: 'invalid', code: 'ds_expired' }).key).toBe('reason.expired');
  });
});
