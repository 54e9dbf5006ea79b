// Small DOM helpers. Every text goes in as a text node, never as HTML, so
// nothing the API returns can become markup.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);

// link is an in-app link: the router handles the click (see app.js).
export function link(path, text, attrs = {}) {
  return h('a', { href: path, ...attrs }, text);
}

// field wraps a control with its label.
export function field(label, control, hint) {
  const id = control.id || (control.id = 'f-' + Math.random().toString(36).slice(2, 9));
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('small', {}, hint) : null);
}

export function select(options, attrs = {}) {
  return h('select', attrs, options.map(([value, text]) => h('option', { value }, text)));
}

// Messages: errors in the role=alert element, successes in role=status.
export function clearMessages() {
  $('#alert').replaceChildren();
  $('#status').replaceChildren();
}
export function showStatus(...content) {
  $('#alert').replaceChildren();
  $('#status').replaceChildren(h('p', {}, ...content));
}
export function showAlert(...content) {
  $('#status').replaceChildren();
  $('#alert').replaceChildren(...content);
}

// showError announces an API refusal: its message, then the message for
// each activity (or other item) it names; a 409 offers to reload.
export function showError(err, onReload) {
  const parts = [h('p', {}, err.message)];
  const same = err.details && err.details.length === 1 && (err.details[0].userMessage || err.details[0].value) === err.message;
  if (err.details && err.details.length && !same) {
    parts.push(h('ul', {}, err.details.map(d =>
      h('li', {}, /^\d+$/.test(d.key) ? `${d.key}: ` : '', d.userMessage || d.value))));
  }
  if (err.status === 409) {
    parts.unshift(h('p', { class: 'strong' }, 'An activity changed since this page read it. Nothing was changed.'));
    if (onReload) parts.push(h('button', { type: 'button', onclick: onReload }, 'Reload'));
  }
  showAlert(...parts);
}

export function fmtDate(s) {
  if (!s) return '';
  const d = new Date(s);
  return isNaN(d) ? s : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

export const display = (v) => v == null ? '' : typeof v === 'object' ? (v.displayValue ?? v.value ?? v.name ?? v.id ?? '') : String(v);

export function userName(u) {
  if (!u) return '';
  const full = [u.firstName, u.lastName].filter(Boolean).join(' ');
  return full ? `${full} (${u.name || u.id})` : (u.name || u.id);
}

// The kinds of contact points, in the order the API lists them.
export const POINT_KINDS = ['email', 'phone', 'social', 'postal', 'website'];

export function pointText(kind, p) {
  switch (kind) {
    case 'email': return p.emailAddress;
    case 'phone': return [p.phoneNo, p.type && display(p.type)].filter(Boolean).join(' · ');
    case 'social': return [display(p.type), p.socialId].filter(Boolean).join(' ');
    case 'postal': return [p.addressLine1, p.city, p.zipOrPostalCode, p.country && display(p.country)].filter(Boolean).join(', ') || p.id;
    case 'website': return p.url || p.id;
    default: return p.id;
  }
}
