import { generateEndpointSecret } from '../../src/delivery/signature';
import { createLogger } from '../../src/logger';

function logLine(fields: Record<string, unknown>): string {
  const lines: string[] = [];
  createLogger('test', 'info', { write: (line) => lines.push(line) }).info(fields, 'logged');
  return lines.join('');
}

test.each([
  ['a secret field', { secret: 'S' }],
  ['a nested previousSecret', { endpoint: { previousSecret: 'S' } }],
  ['a rotation newSecret', { rotation: { newSecret: 'S' } }],
  ['database row columns', { row: { secret: 'S', previous_secret: 'S' } }],
  ['setting values', { config: { SECRET_ENCRYPTION_KEYS: 'S', PUBLISHER_TOKEN: 'S' } }],
  ['an authorization header', { headers: { authorization: 'S' } }],
])('logger redacts %s', (_field, fields) => {
  const secret = generateEndpointSecret();
  const withSecret = JSON.parse(JSON.stringify(fields).replaceAll('"S"', JSON.stringify(secret)));

  const line = logLine(withSecret);

  expect(line).toContain('[redacted]');
  expect(line).not.toContain(secret);
});

test('logger keeps ids readable', () => {
  expect(logLine({ endpointId: 'ep_1' })).toContain('"endpointId":"ep_1"');
});
