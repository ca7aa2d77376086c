// Publish a test message: a JSON editor with validation, headers, an optional delay. Needs the token.
import { useState } from 'preact/hooks';
import { postJson, streamPath } from '../api.js';
import type { TabProps } from '../stream.js';
import { Action, useAction, useApp } from '../ui.js';

/** The JSON value of `text`, or the parse error's message. */
const check = (text: string): { ok: true; value: unknown } | { ok: false; error: string } => {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
};

export function PublishTab({ stream, reload }: TabProps) {
  const { info } = useApp();
  const act = useAction();
  const [data, setData] = useState('{\n  "test": true\n}');
  const [headers, setHeaders] = useState('{}');
  const [delay, setDelay] = useState('');
  const parsed = check(data);
  const parsedHeaders = check(headers);
  const headersOk = parsedHeaders.ok && typeof parsedHeaders.value === 'object' && parsedHeaders.value !== null && !Array.isArray(parsedHeaders.value)
    && Object.values(parsedHeaders.value).every((v) => typeof v === 'string');
  const valid = parsed.ok && headersOk;
  if (!info.publish) return <p class="muted">Publishing needs the dashboard's <code>redis</code> option (the CLI's dashboard has it).</p>;
  return (
    <form id="publish" class="publish" onSubmit={(e) => {
      e.preventDefault();
      if (!valid || !parsed.ok || !parsedHeaders.ok) return;
      const delayMs = delay === '' ? undefined : Math.round(Number(delay) * 1000);
      void act(async () => {
        const r = await postJson<{ id: string }>(streamPath(stream, 'publish'), { data: parsed.value, headers: parsedHeaders.value, ...(delayMs ? { delayMs } : {}) });
        return `Published ${r.id}.`;
      }, reload);
    }}>
      <label for="publish-data">Payload (JSON)</label>
      <textarea id="publish-data" rows={8} spellcheck={false} aria-invalid={!parsed.ok} value={data} onInput={(e) => setData((e.target as HTMLTextAreaElement).value)} />
      <p class={parsed.ok ? 'muted' : 'error'} id="publish-check">{parsed.ok ? 'valid JSON' : `invalid JSON: ${parsed.error}`}</p>
      <label for="publish-headers">Headers (JSON object of strings)</label>
      <textarea id="publish-headers" rows={3} spellcheck={false} aria-invalid={!headersOk} value={headers} onInput={(e) => setHeaders((e.target as HTMLTextAreaElement).value)} />
      {headersOk ? null : <p class="error">headers must be a JSON object of string values</p>}
      <label>Delay <input id="publish-delay" type="number" min="0" step="1" value={delay} placeholder="0" onInput={(e) => setDelay((e.target as HTMLInputElement).value)} /> s</label>
      <div><Action label="Publish" onClick={() => { if (valid) (document.getElementById('publish') as HTMLFormElement | null)?.requestSubmit(); }}>Publish</Action></div>
    </form>
  );
}
