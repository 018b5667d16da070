import { generateEndpointSecret } from '../../src/delivery/signature';
import { describeLeaks, findLeaks } from '../helpers/secret-scan';
import { KEY_A, TEST_KEY_MATERIAL, testSecretBox } from '../helpers/secret-keys';

const KEYS = TEST_KEY_MATERIAL;

test('scan finds an endpoint secret', () => {
  const secret = generateEndpointSecret();

  const leaks = findLeaks(`{"msg":"attempt","value":"${secret}"}`, 'api.log:3', KEYS);

  expect(leaks).toEqual([
    { where: 'api.log:3', kind: 'endpoint secret', excerpt: `${secret.slice(0, 12)}…` },
  ]);
  expect(describeLeaks(leaks)).not.toContain(secret);
});

test('scan finds an encrypted secret', () => {
  const stored = testSecretBox(KEY_A).encrypt(generateEndpointSecret(), 'ep_1');

  const leaks = findLeaks(`\u0012\u0004data${stored}\u0000`, 'history', KEYS);

  expect(leaks.map((leak) => leak.kind)).toEqual(['encrypted secret']);
});

test('scan finds key material', () => {
  const leaks = findLeaks(`SECRET_ENCRYPTION_KEYS=${KEY_A}`, 'worker.log:1', KEYS);

  expect(leaks).toEqual([
    { where: 'worker.log:1', kind: 'encryption key', excerpt: '(not shown)' },
  ]);
});

test('scan ignores the prefix in messages', () => {
  const message =
    'newSecret must be whsec_ followed by base64; create one with generateEndpointSecret';

  expect(findLeaks(message, 'api.log:1', KEYS)).toEqual([]);
});

test('report is limited to its first lines', () => {
  const leaks = Array.from({ length: 25 }, (_, index) => ({
    where: `api.log:${index + 1}`,
    kind: 'endpoint secret' as const,
    excerpt: 'whsec_AAAAAA…',
  }));

  const report = describeLeaks(leaks).split('\n');

  expect(report).toHaveLength(21);
  expect(report[20]).toBe('  … and 5 more');
});
