// The sandbox server's JSON API and its live events (server-sent events).

export async function get(path, query = {}) {
  const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null));
  const res = await fetch(`${path}?${params}`);
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? String(res.status));
  return body;
}

export async function post(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await res.json();
  if (!res.ok) throw new Error(answer.error ?? String(res.status));
  return answer;
}

/**
 * Calls onChange(event) for every change, onToast(event) for callback answers and onReset() when the
 * sandbox was reset (from this page or another); reconnects by itself.
 */
export function listen(onChange, onToast, onReset) {
  const source = new EventSource('/api/events');
  source.addEventListener('change', (event) => onChange(JSON.parse(event.data)));
  source.addEventListener('toast', (event) => onToast(JSON.parse(event.data)));
  source.addEventListener('reset', () => onReset());
  return source;
}
