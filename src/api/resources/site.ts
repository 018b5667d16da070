import { z } from 'zod';
import type { Site } from '../../db/sites';
import { apiKeyWithSecretSchema } from './api-key';
import { component } from './registry';

export const siteSchema = component(
  'Site',
  z.object({
    id: z.string(),
    name: z.string(),
    owner_email: z.string().describe('receives the email when an endpoint starts failing'),
  }),
  'A Postion site, the tenant that owns endpoints, events and API keys',
);

export const createdSiteSchema = component(
  'CreatedSite',
  siteSchema.extend({ api_key: apiKeyWithSecretSchema }),
);

export function serializeSite(site: Site): z.infer<typeof siteSchema> {
  return { id: site.id, name: site.name, owner_email: site.ownerEmail };
}
