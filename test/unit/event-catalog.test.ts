import { EVENT_TYPE_NAMES } from '../../src/events/catalog';
import { EVENT_TYPES } from '../../src/events/schemas';

test('catalog lists every event type in order', () => {
  expect(EVENT_TYPE_NAMES).toEqual(EVENT_TYPES);
});
