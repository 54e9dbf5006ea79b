// The activity list of My work, Queues, Search and the case page: filters,
// sort and page in the URL (so a list can be bookmarked and reloaded), one
// checkbox per row, and the action bar working on the selection.
import * as api from './api.js';
import { h, field, select, link, display, fmtDate, userName } from './ui.js';
import { ctx, go, current } from './app.js';
import { actionBar } from './actions.js';

export const STATUSES = [
  ['awaiting_assignment', 'In queue, waiting'], ['assigned', 'Assigned'],
  ['in_workflow', 'In workflow'], ['completed', 'Completed'],
];
const SORTS = [['lastModified', 'Last modified'], ['created', 'Created'], ['priority', 'Priority'], ['dueDate', 'Due date'], ['id', 'ID']];
const PAGE_SIZE = 25;

// activityList appends the list to main. base holds the API filters the
// view fixes; departments, when given, limits the department filter (and
// the search) to them.
export async function activityList(main, { base, n, departments, filters = true, showStatus = true, withActions = true, hide = () => {}, defaults = {} }) {
  const q = new URLSearchParams(location.search);
  const params = new URLSearchParams(base);
  const deptChoices = departments || ctx.departments;
  if (filters) {
    for (const k of ['type', 'status', 'department']) {
      if (q.get(k) && !params.has(k)) params.set(k, q.get(k));
    }
  }
  if (!params.has('department') && departments) params.set('department', departments.map(d => d.id).join(','));
  params.set('$sort', q.get('sort') || 'lastModified');
  params.set('$order', q.get('order') || 'desc');
  const page = Math.max(1, parseInt(q.get('page') || '1', 10) || 1);
  params.set('$pagenum', String(page));
  params.set('$pagesize', String(PAGE_SIZE));

  const res = await api.get('/core/casemgr/v3/activity?' + params.toString().replaceAll('%24', '$').replaceAll('%2C', ','));
  if (!current(n)) return;
  const list = (res.body && res.body.activity) || [];
  const total = (res.body && res.body.paginationInfo && res.body.paginationInfo.count) || list.length;

  const selected = new Map();
  let filterBox = null;
  if (filters) {
    filterBox = filterForm(q, deptChoices, showStatus);
    main.append(filterBox);
  }
  const bar = withActions ? actionBar({
    selection: () => [...selected.values()], defaults,
    hide: (on) => { if (filterBox) filterBox.hidden = on; hide(on); },
  }) : null;
  if (bar) main.append(bar);

  if (list.length === 0) {
    main.append(h('p', { class: 'empty' }, 'No activities.'));
    return;
  }
  const all = h('input', { type: 'checkbox', 'aria-label': 'Select all activities on this page' });
  const boxes = [];
  const rows = list.map(a => {
    const box = h('input', { type: 'checkbox', 'aria-label': `Select activity ${a.id}` });
    box.addEventListener('change', () => {
      if (box.checked) selected.set(a.id, a); else selected.delete(a.id);
      all.checked = selected.size === list.length;
      bar && bar.update();
    });
    boxes.push(box);
    const assigned = a.status && a.status.assigned && a.status.assigned.user;
    return h('tr', {},
      h('td', {}, box),
      h('td', {}, link(`/console/activity/${a.id}`, a.id)),
      h('td', { class: 'subject' }, a.subject || h('span', { class: 'muted' }, '(no subject)')),
      h('td', {}, display(a.type), a.type && a.type.subtype ? h('small', {}, ' · ', display(a.type.subtype)) : null),
      h('td', {}, display(a.status), a.pinned ? [' ', h('span', { class: 'badge' }, 'pinned')] : null,
        a.lock ? [' ', h('span', { class: 'badge' }, 'locked')] : null),
      h('td', {}, a.department ? a.department.name : ''),
      h('td', {}, assigned ? userName(assigned) : a.queue ? a.queue.name : ''),
      h('td', {}, a.customer ? link(`/console/customer/${a.customer.id}`, a.customer.customerName || a.customer.id) : ''),
      h('td', {}, a.case ? link(`/console/case/${a.case.id}`, a.case.id) : ''),
      h('td', {}, a.priority || ''),
      h('td', { class: 'nowrap' }, fmtDate(a.lastModified)));
  });
  all.addEventListener('change', () => {
    boxes.forEach((b, i) => {
      b.checked = all.checked;
      if (all.checked) selected.set(list[i].id, list[i]); else selected.delete(list[i].id);
    });
    bar && bar.update();
  });
  const th = (t) => h('th', { scope: 'col' }, t);
  main.append(h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', {}, `${total} ${total === 1 ? 'activity' : 'activities'}`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, all), th('ID'), th('Subject'), th('Type'), th('Status'),
      th('Department'), th('Assigned to / queue'), th('Customer'), th('Case'), th('Priority'), th('Last modified'))),
    h('tbody', {}, rows))));
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  if (pages > 1) {
    const to = (p) => { const u = new URLSearchParams(location.search); u.set('page', p); return location.pathname + '?' + u; };
    main.append(h('nav', { class: 'pager', 'aria-label': 'Pages' },
      page > 1 ? link(to(page - 1), 'Previous page') : null,
      h('span', {}, `Page ${page} of ${pages}`),
      page < pages ? link(to(page + 1), 'Next page') : null));
  }
}

// filterForm is a closed disclosure (open when a filter is in use), so its
// controls do not sit beside an action form's.
function filterForm(q, departments, showStatus) {
  const typeSel = select([['', 'Any type'], ...ctx.types.map(t => [t.value, t.displayValue])], { name: 'type' });
  typeSel.value = q.get('type') || '';
  const statusSel = select([['', 'Any status'], ...STATUSES], { name: 'status' });
  statusSel.value = q.get('status') || '';
  const deptSel = select([['', 'All my departments'], ...departments.map(d => [d.id, d.name])], { name: 'department' });
  deptSel.value = q.get('department') || '';
  const sortSel = select(SORTS, { name: 'sort' });
  sortSel.value = q.get('sort') || 'lastModified';
  const orderSel = select([['desc', 'Descending'], ['asc', 'Ascending']], { name: 'order' });
  orderSel.value = q.get('order') || 'desc';
  const form = h('form', { class: 'row', 'aria-label': 'Filter and sort' },
    field('Type filter', typeSel), showStatus ? field('Status filter', statusSel) : null,
    field('Department filter', deptSel), field('Sort by', sortSel), field('Order', orderSel),
    h('button', { type: 'submit', class: 'secondary' }, 'Apply'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (v) p.set(k, v);
    if (p.get('sort') === 'lastModified') p.delete('sort');
    if (p.get('order') === 'desc') p.delete('order');
    go(location.pathname + (p.toString() ? '?' + p : ''));
  });
  const active = ['type', 'status', 'department', 'sort', 'order'].some(k => q.get(k));
  return h('details', { class: 'filters', open: active }, h('summary', {}, 'Filter and sort'), form);
}
