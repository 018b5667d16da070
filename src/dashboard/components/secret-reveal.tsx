import { CopyButton } from './common';

/** Renders a signing secret on view, with a copy button. */
export function SecretReveal(props: { secret: string; title: string; note: string }) {
  const { secret, title, note } = props;
  return (
    <section class="panel secret" aria-labelledby="secret-title">
      <h2 id="secret-title">{title}</h2>
      <p class="hint">{note}</p>
      <div class="secret-row">
        <label class="visually-hidden" for="secret-value">
          {title}
        </label>
        <input
          id="secret-value"
          class="secret-value"
          type="text"
          readOnly
          value={secret}
          spellcheck={false}
          onFocus={(event) => event.currentTarget.select()}
        />
        <CopyButton text={secret} label="Copy secret" />
      </div>
    </section>
  );
}
