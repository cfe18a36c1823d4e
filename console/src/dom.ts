// A few DOM helpers instead of a framework: every string goes in as text, never as HTML.
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined | null>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Array<Child | Child[]>): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) element.setAttribute(name, '');
    else if (name === 'value' && 'value' in element) (element as HTMLInputElement).value = String(value);
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export const $ = (id: string) => document.getElementById(id)!;

export function table(headers: string[], rows: Array<Array<Child>>, options: { empty?: string; id?: string } = {}): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'muted', id: options.id }, options.empty ?? 'Nothing to show.');
  return h('table', { id: options.id },
    h('thead', {}, h('tr', {}, headers.map((name) => h('th', {}, name)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c) => h('td', {}, c))))));
}

export function card(label: string, value: Child, options: { bad?: boolean; id?: string; note?: string } = {}): HTMLElement {
  return h('div', { class: options.bad ? 'card bad' : 'card', id: options.id, 'data-card': label }, h('b', {}, value ?? '—'), label, options.note ? h('small', {}, ` ${options.note}`) : null);
}

export const percent = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)} %`);
export const ms = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)} ms`);
export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');
export const usd = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `$${x.toFixed(x < 1 ? 4 : 2)}`);
export const num = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x.toLocaleString('en-US'));

export function age(iso: string | null | undefined): string {
  if (!iso) return '—';
  const seconds = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `status-${status}`, 'data-status': status }, status);
}

export function link(href: string, text: Child): HTMLAnchorElement {
  return h('a', { href }, text);
}

let toastTimer: number | undefined;
export function toast(message: string): void {
  const el = $('toast');
  el.textContent = message;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => { el.hidden = true; }, 6000);
}

export function errorText(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return `${e.code ? `${e.code.replace(/^functions\//, '')}: ` : ''}${e.message ?? String(error)}`;
}

/** replaceChildren that skips the null/false children conditional rendering produces. */
export function fill(parent: Element, ...children: Array<Child | Child[]>): void {
  parent.replaceChildren(...children.flat().filter((c): c is Node | string | number => c !== null && c !== undefined && c !== false).map((c) => (c instanceof Node ? c : String(c))));
}

/** Counts by reason, largest first ("near-duplicate 4 · key-disputed 2"), or "none". */
export function byReason(counts: Record<string, number> | null | undefined): string {
  const entries = Object.entries(counts ?? {}).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return entries.length ? entries.map(([reason, n]) => `${reason} ${n}`).join(' · ') : 'none';
}
