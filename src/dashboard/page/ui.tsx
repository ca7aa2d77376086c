// Small building blocks of the page. Every value from Redis is rendered as a text node (JSX
// children), made visible by displayText/displayBlock first; nothing is ever set as HTML.
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { displayBlock } from '../assets/text.js';
import { ApiError } from './api.js';
import { prettyJson, safe } from './format.js';
import type { Info } from './types.js';

/** What every view can use: server info, write access, the refresh tick, messages and confirmations. */
export interface AppContext {
  info: Info;
  canWrite: boolean;
  /** Increments on every auto-refresh (every 2 s unless paused). */
  tick: number;
  notify(text: string, kind?: 'ok' | 'error'): void;
  confirm(title: string, detail?: string): Promise<boolean>;
}

export const App = createContext<AppContext>(null as unknown as AppContext);
/** The app context. */
export const useApp = (): AppContext => useContext(App);

/** Loads data with `load` now, whenever `deps` change, and on every refresh tick. */
export function useData<T>(load: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: Error | undefined; reload: () => void } {
  const { tick } = useApp();
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [again, setAgain] = useState(0);
  const key = JSON.stringify(deps);
  const lastKey = useRef(key);
  useEffect(() => {
    let live = true;
    if (lastKey.current !== key) {
      lastKey.current = key;
      setData(undefined);
    }
    load().then(
      (value) => { if (live) { setData(value); setError(undefined); } },
      (e: unknown) => { if (live) setError(e instanceof Error ? e : new Error(String(e))); },
    );
    return () => { live = false; };
  }, [key, tick, again]);
  return { data, error, reload: useCallback(() => setAgain((n) => n + 1), []) };
}

/** One line of text from Redis, cut at `max` characters with a "show all" button. */
export function Text({ value, max = 120 }: { value: unknown; max?: number }) {
  const [all, setAll] = useState(false);
  const text = safe(value ?? '');
  if (text.length <= max || all) return <span class="text">{text}</span>;
  return (
    <span class="text">
      {text.slice(0, max)}…{' '}
      <button type="button" class="link" onClick={() => setAll(true)}>show all ({text.length.toLocaleString('en-US')} chars)</button>
    </span>
  );
}

/** A multi-line block (pretty JSON), cut at `max` characters with a "show all" button. */
export function Block({ text, max = 4000 }: { text: string; max?: number }) {
  const [all, setAll] = useState(false);
  const shown = displayBlock(text);
  return (
    <div>
      <pre class="block">{all || shown.length <= max ? shown : `${shown.slice(0, max)}…`}</pre>
      {!all && shown.length > max ? <button type="button" class="link" onClick={() => setAll(true)}>show all ({shown.length.toLocaleString('en-US')} chars)</button> : null}
    </div>
  );
}

/** A message's payload (field `d`, pretty-printed when JSON, collapsible) and headers (field `h`), or a foreign entry's fields. */
export function Payload({ fields }: { fields: Record<string, string> }) {
  const names = Object.keys(fields);
  const ours = names[0] === 'd' && names.every((n) => n === 'd' || n === 'h');
  if (!ours) {
    return (
      <dl class="fields">
        {names.map((name) => [<dt key={`k${name}`}><Text value={name} max={60} /></dt>, <dd key={`v${name}`}><Value text={fields[name] ?? ''} /></dd>])}
      </dl>
    );
  }
  const headers = fields.h === undefined ? null : parseObject(fields.h);
  return (
    <div class="payload">
      <Value text={fields.d ?? ''} />
      {fields.h !== undefined ? (
        <details class="headers" open>
          <summary>headers</summary>
          {headers === null ? <Text value={fields.h} /> : (
            <dl class="fields">{Object.entries(headers).map(([k, v]) => [<dt key={`k${k}`}><Text value={k} max={60} /></dt>, <dd key={`v${k}`}><Text value={typeof v === 'string' ? v : JSON.stringify(v)} /></dd>])}</dl>
          )}
        </details>
      ) : null}
    </div>
  );
}

const parseObject = (text: string): Record<string, unknown> | null => {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

/** A field value: pretty JSON in a collapsible block when it is a JSON object or array, else text. */
function Value({ text }: { text: string }) {
  const pretty = prettyJson(text);
  if (pretty === null) return <Text value={text} max={300} />;
  return (
    <details class="json" open={pretty.length < 2000}>
      <summary>JSON ({text.length.toLocaleString('en-US')} chars)</summary>
      <Block text={pretty} />
    </details>
  );
}

/** A button for an action: disabled (with the reason) without write access. */
export function Action({ onClick, children, danger, label }: { onClick: () => void; children: ComponentChildren; danger?: boolean; label?: string }) {
  const { canWrite } = useApp();
  return (
    <button type="button" class={danger ? 'write danger' : 'write'} disabled={!canWrite} aria-label={label}
      title={canWrite ? undefined : 'needs the token (the dashboard is read-only without it)'} onClick={onClick}>
      {children}
    </button>
  );
}

/** Runs an action and reports its outcome (or error) in the status line. */
export function useAction(): (work: () => Promise<string>, after?: () => void) => Promise<void> {
  const { notify } = useApp();
  return async (work, after) => {
    try {
      notify(await work(), 'ok');
      after?.();
    } catch (error) {
      notify(error instanceof ApiError || error instanceof Error ? `⚠ ${error.message}` : '⚠ failed', 'error');
    }
  };
}

/** An error line (outages are shown by the banner instead). */
export function ErrorLine({ error }: { error: Error | undefined }) {
  if (error === undefined || (error instanceof ApiError && error.code === 'REDIS_UNAVAILABLE')) return null;
  return <p class="error" role="alert">⚠ <Text value={error.message} /></p>;
}

/** Paging buttons: back to the first page, and on to the next (older) one. */
export function Pager({ onNewest, onOlder, hasOlder, label, firstLabel = 'Newest' }: { onNewest: (() => void) | undefined; onOlder: () => void; hasOlder: boolean; label: string; firstLabel?: string }) {
  return (
    <div class="pager" role="group" aria-label={`${label} pages`}>
      <button type="button" onClick={onNewest} disabled={!onNewest}>{firstLabel}</button>
      <button type="button" onClick={onOlder} disabled={!hasOlder}>{label === 'Pending' ? 'Next →' : 'Older →'}</button>
    </div>
  );
}
