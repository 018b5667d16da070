import type { ComponentChildren } from 'preact';
import { EVENT_TYPE_NAMES } from '../../events/catalog';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiError } from '../api/client';
import { hasNavigated } from '../routing';

/**
 * Renders the page title. It takes the focus when a page opens after a navigation, so that
 * keyboard and screen reader users start at the top of the new page.
 */
export function PageTitle({ children }: { children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (hasNavigated()) heading.current?.focus();
  }, []);
  return (
    <h1 ref={heading} tabIndex={-1}>
      {children}
    </h1>
  );
}

/** Renders the message of a failed request, which screen readers announce. */
export function ErrorMessage({ error }: { error: ApiError | null }) {
  if (!error) return null;
  return (
    <p class="message message-error" role="alert">
      {capitalize(error.problem.detail)}
    </p>
  );
}

/** Renders a button that copies `text` to the clipboard and shows whether it did. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return (
    <span class="copy">
      <button type="button" class="button" onClick={copy}>
        {label}
      </button>
      <span class="copy-status" role="status">
        {COPY_STATUS[state]}
      </span>
    </span>
  );
}

const COPY_STATUS = { idle: '', copied: 'Copied', failed: 'Copy failed: select the text' };

/** Capitalizes the first letter of an API message, which starts lower-case in the API. */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Runs an action of a button, with its pending state and its error. */
export function useAction() {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = async (action: () => Promise<void>) => {
    setPending(true);
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(caught as ApiError);
    } finally {
      setPending(false);
    }
  };
  return { pending, error, run };
}

/**
 * Renders Previous and Next buttons over cursor pages. `cursors` lists the cursor of every page
 * up to the current one, null for the first, so Previous drops the last one.
 */
export function Pager(props: {
  label: string;
  cursors: Array<string | null>;
  nextCursor: string | null;
  onChange: (cursors: Array<string | null>) => void;
  previousLabel?: string;
  nextLabel?: string;
}) {
  const { cursors, nextCursor, onChange } = props;
  if (cursors.length === 1 && !nextCursor) return null;
  return (
    <nav class="pager" aria-label={props.label}>
      <button
        type="button"
        class="button"
        disabled={cursors.length === 1}
        onClick={() => onChange(cursors.slice(0, -1))}
      >
        {props.previousLabel ?? 'Previous page'}
      </button>
      <button
        type="button"
        class="button"
        disabled={!nextCursor}
        onClick={() => onChange([...cursors, nextCursor])}
      >
        {props.nextLabel ?? 'Next page'}
      </button>
    </nav>
  );
}

/** Renders one option per event type, for a select. */
export function EventTypeOptions() {
  return (
    <>
      {EVENT_TYPE_NAMES.map((type) => (
        <option key={type} value={type}>
          {type}
        </option>
      ))}
    </>
  );
}
