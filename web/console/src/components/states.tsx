import type { CombinedError } from '@urql/core';
import type { ComponentChildren } from 'preact';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div class="state state-loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

// errorMessages lists what the server said: GraphQL errors carry a message
// and extensions.code; a network error has only its message.
export function errorMessages(error: CombinedError): string[] {
  if (error.graphQLErrors.length > 0) {
    return error.graphQLErrors.map((e) => {
      const code = (e.extensions?.code as string | undefined) ?? '';
      return code ? `${e.message} (${code})` : e.message;
    });
  }
  return [error.networkError?.message ?? error.message];
}

export function ErrorBox({ error, title = 'Could not load this data' }: { error: CombinedError; title?: string }) {
  return (
    <div class="state state-error" role="alert">
      <strong>{title}</strong>
      <ul>
        {errorMessages(error).map((m) => (
          <li key={m}>{m}</li>
        ))}
      </ul>
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="state state-empty">{children}</p>;
}

// Query renders the loading and error states of one query the same way on
// every page, and its children only once data is there.
export function QueryState<T>({
  fetching,
  error,
  data,
  children,
}: {
  fetching: boolean;
  error?: CombinedError;
  data?: T | null;
  children: (data: T) => ComponentChildren;
}) {
  if (data) {
    return (
      <>
        {error && <ErrorBox error={error} title="Part of this data could not be loaded" />}
        {children(data)}
      </>
    );
  }
  if (error) return <ErrorBox error={error} />;
  if (fetching) return <Loading />;
  return <Loading />;
}

export type UserErr = { field?: string | null; message: string; code: string };

// Refusal shows why a mutation changed nothing: the payload's userErrors
// (what the caller got wrong, each naming its field) or the request's error.
export function Refusal({ error, userErrors, title = 'The change was refused' }: { error?: CombinedError | null; userErrors?: UserErr[] | null; title?: string }) {
  if (error) return <ErrorBox error={error} title={title} />;
  if (!userErrors || userErrors.length === 0) return null;
  return (
    <div class="state state-error" role="alert">
      <strong>{title}</strong>
      <ul>
        {userErrors.map((e, i) => (
          <li key={i}>
            {e.field ? <code>{e.field}</code> : null} {e.message} ({e.code})
          </li>
        ))}
      </ul>
    </div>
  );
}
