import { z } from 'zod';

/**
 * Response schemas with a name in the OpenAPI document. Registering a schema here makes it a
 * component that operations and other components refer to, instead of a copy in each place.
 */
export const componentRegistry = z.registry<{ id: string; description?: string }>();

/** Registers `schema` as the component `id` and returns it. */
export function component<T extends z.ZodType>(id: string, schema: T, description?: string): T {
  componentRegistry.add(schema, { id, description });
  return schema;
}

/** An instant in UTC ISO 8601, as every time in responses is written. */
export const timestamp = () => z.iso.datetime();

/** Registers the schema of a list page with the cursor of the next page, null on the last. */
export function page<T extends z.ZodType>(id: string, item: T) {
  return component(
    id,
    z.object({
      data: z.array(item),
      next_cursor: z
        .string()
        .nullable()
        .describe('pass as `cursor` to get the next page; null on the last page'),
    }),
  );
}
