// The console's entry point: the session, the shell (navigation, language,
// sign out), the router over history.pushState, and the list views.
import * as api from './api.js';
import { h, $, field, select, link, display, clearMessages, showAlert, showError } from './ui.js';
import { activityList, STATUSES } from './list.js';
import { activityView, caseView, customerView } from './views.js';

// ctx is what every view needs about the signed-in user: who they are, the
// departments they work with, the activity types.
export const ctx = { me: null, departments: [], types: [] };

async function loadContext() {
  const [me, depts, attrs] = await Promise.all([
    api.get('/core/casemgr/v3/user/me'),
    api.get('/core/casemgr/v3/department'),
    api.get('/core/casemgr/v3/activity/attributes?$attribute=type'),
  ]);
  ctx.me = me.body.user[0];
  ctx.departments = depts.body.department;
  ctx.types = (attrs.body.attribute[0] || {}).value || [];
}

// memberDepartments are the departments the user works in (a client sees
// all, but the console signs in users only).
export const memberDepartments = () => ctx.departments.filter(d => d.relation !== 'shared');

const routes = [
  [/^\/console\/?$/, myWork, 'My work'],
  [/^\/console\/queues\/?$/, queues, 'Queues'],
  [/^\/console\/search\/?$/, search, 'Search'],
  [/^\/console\/activity\/(\d{1,18})\/?$/, activityView, 'Activity'],
  [/^\/console\/case\/(\d{1,18})\/?$/, caseView, 'Case'],
  [/^\/console\/customer\/(\d{1,18})\/?$/, customerView, 'Customer'],
];

export function go(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render();
}

// reload renders the current page again from fresh reads.
export const reload = () => render({ keepMessages: false });

// rerender renders the current page again after an action, keeping the
// message that reports it.
export const rerender = () => render({ keepMessages: true });

let seq = 0;
// current reports whether a render is still the latest, so a slow answer
// never paints over a newer page.
export const current = (n) => n === seq;

async function render({ keepMessages = false } = {}) {
  const n = ++seq;
  const main = $('#main');
  if (!keepMessages) clearMessages();
  if (!api.signedIn()) {
    $('#top').hidden = true;
    signInView(main);
    return;
  }
  try {
    if (!ctx.me) await loadContext();
  } catch (err) {
    if (err.status === 401) { api.forget(); return render({ keepMessages: true }); }
    showError(err);
    return;
  }
  if (!current(n)) return;
  const path = location.pathname;
  const route = routes.find(([re]) => re.test(path));
  header(route ? route[2] : '');
  main.replaceChildren();
  if (!route) {
    main.append(h('h1', { tabindex: '-1' }, 'Page not found'), h('p', {}, 'The console has no page at this address.'));
    focusHeading(main);
    return;
  }
  const params = path.match(route[0]).slice(1);
  try {
    await route[1](main, params, n);
  } catch (err) {
    if (!current(n)) return;
    if (err instanceof api.ApiError && err.status === 401) {
      api.forget();
      ctx.me = null;
      render({ keepMessages: true });
      showAlert(h('p', {}, 'Your session has ended. Please sign in again.'));
      return;
    }
    main.replaceChildren(h('h1', { tabindex: '-1' }, err.status === 404 ? 'Not found' : 'Something went wrong'));
    showError(err);
  }
  if (current(n)) focusHeading(main);
}

function focusHeading(main) {
  const h1 = main.querySelector('h1');
  if (h1 && !main.contains(document.activeElement)) {
    h1.tabIndex = -1;
    h1.focus({ preventScroll: true });
  }
}

function header(active) {
  const top = $('#top');
  top.hidden = false;
  const navLink = (path, text) => h('a', { href: path, 'aria-current': active === text ? 'page' : null }, text);
  const lang = select(api.LOCALES, {
    id: 'language',
    onchange: (e) => { api.setLocale(e.target.value); document.documentElement.lang = e.target.value; reload(); },
  });
  lang.value = api.getLocale();
  top.replaceChildren(
    h('span', { class: 'brand' }, 'casemgr'),
    h('nav', { 'aria-label': 'Main' }, navLink('/console/', 'My work'), navLink('/console/queues', 'Queues'), navLink('/console/search', 'Search')),
    h('div', { class: 'session' },
      h('label', { for: 'language' }, 'Language'), lang,
      h('span', { class: 'me' }, ctx.me.firstName ? `${ctx.me.firstName} ${ctx.me.lastName || ''}`.trim() : ctx.me.name,
        ' · ', ctx.me.department.name),
      h('button', { type: 'button', class: 'secondary', onclick: signOut }, 'Sign out')),
  );
}

async function signOut() {
  await api.signOut();
  ctx.me = null;
  history.pushState(null, '', '/console/');
  await render();
  $('#status').replaceChildren(h('p', {}, 'You are signed out.'));
}

function signInView(main) {
  const user = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
  const pass = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'card signin', 'aria-labelledby': 'signin-h' },
    h('h1', { id: 'signin-h' }, 'casemgr console'),
    h('p', {}, 'Sign in with your casemgr user name and password.'),
    field('Username', user), field('Password', pass), button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (button.disabled) return;
    button.disabled = true;
    clearMessages();
    try {
      await api.signIn(user.value.trim(), pass.value);
      ctx.me = null;
      await render();
    } catch (err) {
      if (err.code === 'invalid_grant') showAlert(h('p', {}, 'The user name or the password is wrong.'));
      else showError(err);
      button.disabled = false;
      pass.select();
    }
  });
  main.replaceChildren(form);
  user.focus();
}

// ---- List views ----

async function myWork(main, _params, n) {
  main.append(h('h1', {}, 'My work'), h('p', { class: 'lead' }, 'Activities assigned to you.'));
  await activityList(main, { base: { assignedTo: ctx.me.id }, n, showStatus: true });
}

async function queues(main, _params, n) {
  main.append(h('h1', {}, 'Queues'), h('p', { class: 'lead' },
    'Activities waiting in the queues of your departments: ', memberDepartments().map(d => d.name).join(', '), '.'));
  await activityList(main, { base: { status: 'awaiting_assignment' }, n, departments: memberDepartments(), showStatus: false });
}

// search: activities by case, customer, status, type and department; a
// case or customer opened by its ID.
async function search(main, _params, n) {
  main.append(h('h1', {}, 'Search'));
  const q = new URLSearchParams(location.search);
  const input = (name, label, attrs = {}) => field(label, h('input', { name, value: q.get(name) || '', inputmode: 'numeric', pattern: '[0-9]*', ...attrs }));
  const typeSel = select([['', 'Any type'], ...ctx.types.map(t => [t.value, t.displayValue])], { name: 'type' });
  typeSel.value = q.get('type') || '';
  const statusSel = select([['', 'Any status'], ...STATUSES], { name: 'status' });
  statusSel.value = q.get('status') || '';
  const deptSel = select([['', 'Any department'], ...ctx.departments.map(d => [d.id, d.name])], { name: 'department' });
  deptSel.value = q.get('department') || '';
  const form = h('form', { class: 'card search', 'aria-label': 'Search activities', role: 'search' },
    h('h2', {}, 'Activities'),
    h('div', { class: 'row' },
      input('case', 'Case ID'), input('customerID', 'Customer ID'),
      field('Activity type', typeSel), field('Activity status', statusSel), field('In department', deptSel)),
    h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (String(v).trim()) p.set(k, String(v).trim());
    go('/console/search' + (p.toString() ? '?' + p : ''));
  });
  const open = (kind, label) => {
    const id = h('input', { name: 'id', inputmode: 'numeric', pattern: '[0-9]+', required: true });
    const f = h('form', { class: 'inline', 'aria-label': `Open ${kind}` }, field(label, id), h('button', { type: 'submit', class: 'secondary' }, `Open ${kind}`));
    f.addEventListener('submit', (e) => { e.preventDefault(); go(`/console/${kind}/${id.value.trim()}`); });
    return f;
  };
  const custForm = customerSearchForm(q);
  const opener = h('div', { class: 'card row' }, open('case', 'Case ID to open'), open('customer', 'Customer ID to open'));
  main.append(form, custForm, opener);
  const hide = (on) => { form.hidden = on; custForm.hidden = on; opener.hidden = on; };
  const wanted = CUSTOMER_FILTERS.filter(([k]) => q.get(k));
  if (wanted.length) await customerResults(main, q, n);
  if (!current(n)) return;
  const base = {};
  for (const k of ['case', 'customerID', 'type', 'status', 'department']) if (q.get(k)) base[k] = q.get(k);
  if (Object.keys(base).length === 0) {
    if (!wanted.length) main.append(h('p', { class: 'lead' }, 'Give at least one criterion to search the activities or the customers you may see.'));
    return;
  }
  const acts = h('section', { 'aria-labelledby': 'h-found' }, h('h2', { id: 'h-found' }, 'Activities found'));
  main.append(acts);
  await activityList(acts, { base, n, filters: false, showStatus: true, hide });
}

// The customer search filters the console offers (the API has more).
const CUSTOMER_FILTERS = [['phone', 'Phone'], ['email', 'Email'], ['customerName', 'Customer name']];

function customerSearchForm(q) {
  const form = h('form', { class: 'card search', 'aria-label': 'Search customers', role: 'search' },
    h('h2', {}, 'Customers'),
    h('div', { class: 'row' }, CUSTOMER_FILTERS.map(([k, label]) =>
      field(label, h('input', { name: k, value: q.get(k) || '', type: k === 'email' ? 'email' : 'text' })))),
    h('button', { type: 'submit' }, 'Search customers'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (String(v).trim()) p.set(k, String(v).trim());
    go('/console/search' + (p.toString() ? '?' + p : ''));
  });
  return form;
}

// customerResults lists the customers matching the search's customer
// filters (GET /core/customermgr/v3/customer).
async function customerResults(main, q, n) {
  const p = new URLSearchParams();
  for (const [k] of CUSTOMER_FILTERS) if (q.get(k)) p.set(k, q.get(k));
  p.set('$pagesize', '25');
  const res = await api.get('/core/customermgr/v3/customer?' + p.toString().replaceAll('%24', '$'));
  if (!current(n)) return;
  const list = (res.body && res.body.customer) || [];
  const section = h('section', { 'aria-labelledby': 'h-cfound' }, h('h2', { id: 'h-cfound' }, 'Customers found'));
  main.append(section);
  if (!list.length) { section.append(h('p', { class: 'empty' }, 'No customers.')); return; }
  const points = (c, kind, key) => ((c.contacts && c.contacts.contact) || []).flatMap(ct => (ct[kind] || []).map(x => x[key])).join(', ');
  const th = (t) => h('th', { scope: 'col' }, t);
  section.append(h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', {}, `${(res.body.paginationInfo && res.body.paginationInfo.count) || list.length} customers`),
    h('thead', {}, h('tr', {}, th('ID'), th('Name'), th('Type'), th('Department'), th('Email'), th('Phone'))),
    h('tbody', {}, list.map(c => h('tr', {},
      h('td', {}, link(`/console/customer/${c.id}`, c.id)), h('td', {}, c.customerName || ''),
      h('td', {}, display(c.type)), h('td', {}, c.department ? (c.department.name || c.department.id) : ''),
      h('td', {}, points(c, 'email', 'emailAddress')), h('td', {}, points(c, 'phone', 'phoneNo'))))))));
}

// ---- Start ----

document.addEventListener('click', (e) => {
  const a = e.target.closest('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const href = a.getAttribute('href');
  if (!href || !href.startsWith('/console/') || a.target || a.hasAttribute('download')) return;
  e.preventDefault();
  go(href);
});
window.addEventListener('popstate', () => render());
document.documentElement.lang = api.getLocale();
render();
