// The dashboard page: header (mode, token, auto-refresh, theme), the outage banner, and the view
// of the current URL (overview, or a stream's tab).
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import './style.css';
import { clearToken, getJson, getToken, onOutage, setToken } from './api.js';
import { clock } from './format.js';
import { OverviewView } from './overview.js';
import { parseRoute, type Route } from './route.js';
import { StreamView } from './stream.js';
import type { Info } from './types.js';
import { App, type AppContext } from './ui.js';

const THEME_KEY = 'streamq.dashboard.theme';

/** The red banner while Redis does not answer (with since when), marking the data as stale. */
function Banner({ since, lastOkAt, intervalMs }: { since: string | null; lastOkAt: number | null; intervalMs: number }) {
  useEffect(() => {
    document.body.classList.toggle('stale', since !== null);
  }, [since]);
  if (since === null) return null;
  const updated = lastOkAt === null ? '' : ` (last updated ${clock(lastOkAt)})`;
  return <div id="outage" class="outage" role="alert">Redis unreachable since {clock(since)}: the data shown is stale{updated}. Retrying every {intervalMs / 1000} s…</div>;
}

/** Token entry: kept in sessionStorage for this tab. */
function TokenForm({ onChange }: { onChange: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <form id="token-form" autocomplete="off" onSubmit={(event) => {
      event.preventDefault();
      const value = input.current?.value.trim() ?? '';
      if (value !== '') setToken(value);
      if (input.current) input.current.value = '';
      onChange();
    }}>
      <label for="token">Token</label>
      <input ref={input} type="password" id="token" name="token" placeholder="reads and actions" autocomplete="off" />
      <button type="submit">Use token</button>
      <button type="button" id="forget-token" onClick={() => { clearToken(); onChange(); }}>Forget</button>
    </form>
  );
}

function Main() {
  const [info, setInfo] = useState<Info | null>(null);
  const [route, setRoute] = useState<Route>(parseRoute(location.hash));
  const [tick, setTick] = useState(0);
  const [paused, setPaused] = useState(false);
  const [tokenSet, setTokenSet] = useState(Boolean(getToken()));
  const [outage, setOutage] = useState<string | null>(null);
  const [lastOkAt, setLastOkAt] = useState<number | null>(null);
  const [status, setStatus] = useState<{ text: string; kind: 'ok' | 'error' } | null>(null);
  const [dialog, setDialog] = useState<{ title: string; detail?: string; resolve: (ok: boolean) => void } | null>(null);
  const [theme, setTheme] = useState(localStorage.getItem(THEME_KEY) ?? 'auto');
  const dialogRef = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    getJson<Info>('api/info').then(setInfo, (e: Error) => setStatus({ text: `⚠ ${e.message}`, kind: 'error' }));
    const onHash = (): void => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onHash);
    const off = onOutage((since) => {
      setOutage(since);
      if (since === null) setLastOkAt(Date.now());
    });
    return () => { removeEventListener('hashchange', onHash); off(); };
  }, []);
  useEffect(() => {
    if (paused || info === null) return undefined;
    const timer = setInterval(() => setTick((n) => n + 1), info.intervalMs);
    return () => clearInterval(timer);
  }, [paused, info]);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem(THEME_KEY, theme);
  }, [theme]);
  useEffect(() => {
    if (dialog !== null) dialogRef.current?.showModal();
  }, [dialog]);

  if (info === null) return <main><p id="status" role="status">{status?.text ?? 'connecting…'}</p></main>;
  const canWrite = !info.readOnly && tokenSet;
  let mode = info.readOnly ? 'read-only server' : canWrite ? 'token set: actions enabled' : 'enter the token to act';
  if (info.authRequired && !tokenSet) mode = 'enter the token to see the data';
  const ctx: AppContext = {
    info, canWrite, tick,
    notify: (text, kind = 'ok') => setStatus({ text, kind }),
    confirm: (title, detail) => new Promise<boolean>((resolve) => setDialog({ title, ...(detail ? { detail } : {}), resolve })),
  };
  const close = (ok: boolean): void => {
    dialogRef.current?.close();
    dialog?.resolve(ok);
    setDialog(null);
  };
  const blocked = info.authRequired && !tokenSet;
  return (
    <App.Provider value={ctx}>
      <header>
        <h1><a href="#/">streamq</a></h1>
        <span id="mode" class={`badge ${canWrite ? 'rw' : 'ro'}`}>{mode}</span>
        {info.readOnly && !info.authRequired ? null : <TokenForm onChange={() => { setTokenSet(Boolean(getToken())); setTick((n) => n + 1); }} />}
        <span class="spacer" />
        <button type="button" id="auto-refresh" aria-pressed={!paused} onClick={() => setPaused(!paused)}>{paused ? 'Resume auto-refresh' : 'Pause auto-refresh'}</button>
        <button type="button" onClick={() => setTick((n) => n + 1)} aria-label="Refresh now">↻</button>
        <label class="theme">Theme{' '}
          <select id="theme" value={theme} onChange={(e) => setTheme((e.target as HTMLSelectElement).value)}>
            <option value="auto">auto</option><option value="light">light</option><option value="dark">dark</option>
          </select>
        </label>
      </header>
      <Banner since={outage} lastOkAt={lastOkAt} intervalMs={info.intervalMs} />
      <p id="status" role="status" aria-live="polite" class={status?.kind === 'error' ? 'error' : 'ok'}>{status?.text ?? ''}</p>
      <main>
        {blocked ? <p class="hint">This dashboard needs a token to show data: enter it above.</p>
          : route.stream === null ? <OverviewView route={route} /> : <StreamView key={route.stream} route={route} stream={route.stream} />}
      </main>
      <dialog ref={dialogRef} id="confirm" aria-labelledby="confirm-title" onCancel={(e) => { e.preventDefault(); close(false); }}>
        <h2 id="confirm-title">{dialog?.title ?? ''}</h2>
        {dialog?.detail ? <p class="text">{dialog.detail}</p> : null}
        <div class="dialog-buttons">
          <button type="button" id="confirm-no" onClick={() => close(false)}>Cancel</button>
          <button type="button" id="confirm-yes" class="danger" onClick={() => close(true)}>Confirm</button>
        </div>
      </dialog>
    </App.Provider>
  );
}

render(<Main />, document.getElementById('app') as HTMLElement);
