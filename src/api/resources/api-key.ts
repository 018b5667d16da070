import { z } from 'zod';
import type { ApiKeyRecord } from '../../db/api-keys';
import { component, timestamp } from './registry';

export const apiKeySchema = component(
  'ApiKey',
  z.object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().describe('the first characters of the key, to recognise it'),
    created_at: timestamp(),
    last_used_at: timestamp().nullable().describe('last request made with the key, to the minute'),
    revoked_at: timestamp().nullable(),
  }),
  'A site API key, without the key itself',
);

export const apiKeyWithSecretSchema = component(
  'ApiKeyWithSecret',
  apiKeySchema.extend({
    key: z.string().describe('the key; shown here once, store it now'),
  }),
);

export const apiKeyListSchema = component('ApiKeyList', z.object({ data: z.array(apiKeySchema) }));

export function serializeApiKey(key: ApiKeyRecord): z.infer<typeof apiKeySchema> {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    created_at: key.createdAt.toISOString(),
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
    revoked_at: key.revokedAt?.toISOString() ?? null,
  };
}
