import { selectSigningSecrets } from '../../src/delivery/signing-secrets';

const NOW = new Date('2025-07-15T10:30:00.000Z');

function stored(previousSecretExpiresAt: Date | null) {
  return {
    secret: 'whsec_bmV3',
    previousSecret: previousSecretExpiresAt ? 'whsec_b2xk' : null,
    previousSecretExpiresAt,
  };
}

describe('selectSigningSecrets', () => {
  test('no previous secret signs with the current one', () => {
    expect(selectSigningSecrets(stored(null), NOW)).toEqual({ secret: 'whsec_bmV3' });
  });

  test('previous secret before its expiry signs too', () => {
    const expiry = new Date('2025-07-15T10:30:00.001Z');

    expect(selectSigningSecrets(stored(expiry), NOW)).toEqual({
      secret: 'whsec_bmV3',
      previousSecret: 'whsec_b2xk',
    });
  });

  test('previous secret at its expiry is dropped', () => {
    const result = selectSigningSecrets(stored(new Date('2025-07-15T10:30:00.000Z')), NOW);

    expect(result).toEqual({ secret: 'whsec_bmV3' });
    expect('previousSecret' in result).toBe(false);
  });

  test('previous secret after its expiry is dropped', () => {
    const expiry = new Date('2025-07-15T09:30:00.000Z');

    expect(selectSigningSecrets(stored(expiry), NOW)).toEqual({ secret: 'whsec_bmV3' });
  });
});
