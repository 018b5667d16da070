import { useRef, useState } from 'preact/hooks';
import { ApiError, request } from '../api/client';
import type { Endpoint } from '../api/types';
import { EVENT_SUMMARIES, EVENT_TYPE_NAMES } from '../../events/catalog';
import { linkTo } from '../routing';
import { capitalize, ErrorMessage, PageTitle } from './common';
import { SecretReveal } from './secret-reveal';
import { VerificationProgress } from './verification-progress';

type FieldErrors = Record<string, string>;

/** Dashboard → Webhooks → Add webhook. */
export function AddWebhookPage() {
  const [created, setCreated] = useState<{ endpoint: Endpoint; secret: string } | null>(null);

  if (created) return <CreatedWebhook {...created} onAnother={() => setCreated(null)} />;
  return (
    <>
      <PageTitle>Add webhook</PageTitle>
      <p class="lead">
        Postion sends a signed verification request to the URL first. The webhook receives events
        once the URL answers it with a 2xx status within 10 seconds.
      </p>
      <AddWebhookForm onCreated={setCreated} />
    </>
  );
}

function AddWebhookForm({
  onCreated,
}: {
  onCreated: (result: { endpoint: Endpoint; secret: string }) => void;
}) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<string[]>([]);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [pending, setPending] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  const toggle = (type: string, checked: boolean) =>
    setEvents(checked ? [...events, type] : events.filter((item) => item !== type));

  const submit = async (event: Event) => {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      // Sent in the documented order, whatever order the boxes were ticked in.
      const chosen = EVENT_TYPE_NAMES.filter((type) => events.includes(type));
      const body = { url: url.trim(), events: chosen, ...(description ? { description } : {}) };
      const { secret, ...endpoint } = await request<Endpoint & { secret: string }>(
        'POST',
        '/v1/webhooks',
        body,
      );
      onCreated({ endpoint, secret });
    } catch (caught) {
      const apiError = caught as ApiError;
      const fields = apiError.fieldErrors();
      setFieldErrors(fields);
      // Messages of known fields appear beside them; anything else above the button.
      const known = Object.keys(fields).every((field) => FIELDS.includes(field));
      setError(Object.keys(fields).length > 0 && known ? null : apiError);
      focusFirstInvalid(form.current, fields);
    } finally {
      setPending(false);
    }
  };

  return (
    <form ref={form} class="form" onSubmit={submit} noValidate>
      <div class="field">
        <label for="webhook-url">Endpoint URL</label>
        <input
          id="webhook-url"
          name="url"
          type="text"
          inputMode="url"
          autocomplete="off"
          spellcheck={false}
          placeholder="https://example.com/webhooks/postion"
          value={url}
          onInput={(event) => setUrl(event.currentTarget.value)}
          aria-invalid={fieldErrors.url ? true : undefined}
          aria-describedby={fieldErrors.url ? 'webhook-url-error' : 'webhook-url-hint'}
        />
        <FieldError id="webhook-url-error" message={fieldErrors.url} />
        <p id="webhook-url-hint" class="hint">
          Postion POSTs JSON here. Use https; redirects are not followed.
        </p>
      </div>

      <div class="field">
        <label for="webhook-description">Description (optional)</label>
        <input
          id="webhook-description"
          name="description"
          type="text"
          maxLength={500}
          placeholder="CRM sync"
          value={description}
          onInput={(event) => setDescription(event.currentTarget.value)}
          aria-invalid={fieldErrors.description ? true : undefined}
          aria-describedby={fieldErrors.description ? 'webhook-description-error' : undefined}
        />
        <FieldError id="webhook-description-error" message={fieldErrors.description} />
      </div>

      <fieldset
        class="field events-field"
        aria-describedby={fieldErrors.events ? 'webhook-events-error' : undefined}
      >
        <legend>Events to send</legend>
        <FieldError id="webhook-events-error" message={fieldErrors.events} />
        <ul class="event-options">
          {EVENT_TYPE_NAMES.map((type) => (
            <li key={type}>
              <input
                id={`event-${type}`}
                type="checkbox"
                name="events"
                value={type}
                checked={events.includes(type)}
                onChange={(event) => toggle(type, event.currentTarget.checked)}
                aria-describedby={`event-${type}-summary`}
              />
              <label for={`event-${type}`}>
                <code>{type}</code>
                <span id={`event-${type}-summary`} class="hint">
                  {EVENT_SUMMARIES[type]}
                </span>
              </label>
            </li>
          ))}
        </ul>
        <button
          type="button"
          class="button button-quiet"
          onClick={() =>
            setEvents(events.length === EVENT_TYPE_NAMES.length ? [] : [...EVENT_TYPE_NAMES])
          }
        >
          {events.length === EVENT_TYPE_NAMES.length ? 'Clear all' : 'Select all'}
        </button>
      </fieldset>

      <ErrorMessage error={error} />
      <div class="actions">
        <button type="submit" class="button button-primary" disabled={pending}>
          {pending ? 'Adding…' : 'Add webhook'}
        </button>
        <a class="button button-quiet" href={linkTo({ page: 'webhooks' })}>
          Cancel
        </a>
      </div>
    </form>
  );
}

const FIELDS = ['url', 'description', 'events'];

function FieldError({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return (
    <p id={id} class="field-error">
      {capitalize(message)}
    </p>
  );
}

function focusFirstInvalid(form: HTMLFormElement | null, fields: FieldErrors): void {
  const first = FIELDS.find((field) => fields[field]);
  if (!form || !first) return;
  form.querySelector<HTMLElement>(`[name="${first}"]`)?.focus();
}

function CreatedWebhook(props: { endpoint: Endpoint; secret: string; onAnother: () => void }) {
  const { endpoint, secret, onAnother } = props;
  return (
    <>
      <PageTitle>Webhook added</PageTitle>
      <p class="lead url">{endpoint.url}</p>
      <SecretReveal
        secret={secret}
        title="Signing secret"
        note="Store it in your receiver's configuration now. It stays hidden from here on; reveal it again from the webhook's page if you need it."
      />
      <VerificationProgress endpointId={endpoint.id} />
      <div class="actions">
        <a class="button button-primary" href={linkTo({ page: 'webhook', id: endpoint.id })}>
          Open webhook
        </a>
        <button type="button" class="button" onClick={onAnother}>
          Add another
        </button>
      </div>
    </>
  );
}
