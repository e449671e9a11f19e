/**
 * A few lines instead of a UI framework: elements are built with `h`, and every piece of text
 * goes in as a text node, so nothing a person typed can ever become markup.
 */

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  className?: string;
  /** Attributes such as `aria-label`, `type`, `href`, `data-state`. */
  attrs?: Record<string, string | undefined>;
  on?: { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props?.className) element.className = props.className;
  for (const [name, value] of Object.entries(props?.attrs ?? {})) {
    if (value !== undefined) element.setAttribute(name, value);
  }
  for (const [event, handler] of Object.entries(props?.on ?? {})) {
    element.addEventListener(event, handler as EventListener);
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces everything inside `parent`. */
export function replace(parent: Node, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, ...children);
}

export function button(
  label: string,
  onClick: () => void,
  options: { kind?: 'primary' | 'danger' | 'plain'; disabled?: boolean; label?: string } = {},
): HTMLButtonElement {
  const element = h(
    'button',
    { className: `button ${options.kind ?? 'plain'}`, attrs: { type: 'button', 'aria-label': options.label }, on: { click: () => onClick() } },
    label,
  );
  element.disabled = options.disabled === true;
  return element;
}

/** A line saying something went wrong, announced to screen readers. */
export function notice(text: string, tone: 'error' | 'info' | 'good' = 'info'): HTMLElement {
  return h('p', { className: `notice ${tone}`, attrs: { role: tone === 'error' ? 'alert' : 'status' } }, text);
}

/** A definition list of facts; empty values are left out. */
export function facts(entries: Array<[label: string, value: Child | Child[]]>): HTMLElement {
  const list = h('dl', { className: 'facts' });
  for (const [label, value] of entries) {
    if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) continue;
    append(list, h('dt', null, label), h('dd', null, ...(Array.isArray(value) ? value : [value])));
  }
  return list;
}
