import { useRef, useState } from 'preact/hooks';
import { RECEIVER_SNIPPETS } from '../receiver-snippets';
import { CopyButton, PageTitle } from './common';

/** Receiver help as a page of its own. */
export function ReceiverHelpPage() {
  return (
    <>
      <PageTitle>Receiver help</PageTitle>
      <ReceiverHelp />
    </>
  );
}

/** Renders how to check the signatures of Postion's requests, with code in several languages. */
export function ReceiverHelp() {
  return (
    <div class="receiver-help">
      <p>
        Every request carries two kinds of signature. Check either one, over the{' '}
        <strong>raw body</strong> exactly as received: parsing the JSON and serializing it again
        changes the bytes, and the check fails.
      </p>
      <dl class="facts signature-facts">
        <dt>Secret</dt>
        <dd>
          <code>whsec_</code> followed by base64, such as <code>whsec_MfKQ9r8GKYqr…</code>. Reveal
          it on the webhook's page.
        </dd>
        <dt>
          <code>X-Postion-Signature</code>
        </dt>
        <dd>
          Lowercase hex HMAC-SHA256 of the raw body, keyed with the <em>whole</em> secret string,{' '}
          <code>whsec_</code> prefix included.
        </dd>
        <dt>
          <code>webhook-signature</code>
        </dt>
        <dd>
          The Standard Webhooks header: <code>v1,</code> and the base64 HMAC-SHA256 of{' '}
          <code>{'{webhook-id}.{webhook-timestamp}.{body}'}</code>, keyed with the base64-decoded
          part after <code>whsec_</code>. Its libraries also reject old timestamps.
        </dd>
        <dt>After a rotation</dt>
        <dd>
          For the grace period, <code>webhook-signature</code> lists two space-separated entries and{' '}
          <code>X-Postion-Signature-Previous</code> carries the old secret's signature.
        </dd>
      </dl>
      <p class="hint">
        "Invalid signature" usually means the body was parsed before the check, the{' '}
        <code>whsec_</code> prefix was dropped from the key for <code>X-Postion-Signature</code>, or
        the receiver still has the secret from before a rotation.
      </p>
      <SnippetTabs />
    </div>
  );
}

const ARROW_STEPS: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1 };

function SnippetTabs() {
  const [selected, setSelected] = useState(0);
  const tabs = useRef<Array<HTMLButtonElement | null>>([]);
  const snippet = RECEIVER_SNIPPETS[selected]!;

  // Arrow keys move between tabs, as in any tab list; Tab goes on to the code.
  const onKeyDown = (event: KeyboardEvent) => {
    const step = ARROW_STEPS[event.key];
    if (step === undefined) return;
    event.preventDefault();
    const next = (selected + step + RECEIVER_SNIPPETS.length) % RECEIVER_SNIPPETS.length;
    setSelected(next);
    tabs.current[next]?.focus();
  };

  return (
    <div class="snippets">
      <div role="tablist" aria-label="Language" class="tabs" onKeyDown={onKeyDown}>
        {RECEIVER_SNIPPETS.map((item, index) => (
          <button
            key={item.id}
            ref={(element) => {
              tabs.current[index] = element;
            }}
            id={`snippet-tab-${item.id}`}
            type="button"
            role="tab"
            aria-selected={index === selected}
            aria-controls="snippet-panel"
            tabIndex={index === selected ? 0 : -1}
            onClick={() => setSelected(index)}
          >
            {item.language}
          </button>
        ))}
      </div>
      <div id="snippet-panel" role="tabpanel" aria-labelledby={`snippet-tab-${snippet.id}`}>
        <div class="panel-head">
          <p class="hint">
            Run with <code>POSTION_WEBHOOK_SECRET=whsec_… {snippet.run}</code>
          </p>
          <CopyButton text={snippet.code} label="Copy code" />
        </div>
        <pre class="code" tabIndex={0} aria-label={`${snippet.language} receiver`}>
          {snippet.code}
        </pre>
      </div>
    </div>
  );
}
