// The pages of one activity, case or customer. Each reads only what the
// signed-in user may see; a 404 of the API is the page's "not found".
import * as api from './api.js';
import { h, link, display, fmtDate, userName, showError, POINT_KINDS, pointText } from './ui.js';
import { current } from './app.js';
import { activityList } from './list.js';
import { actionBar } from './actions.js';

const OPERATIONS = {
  transfer: 'Transfer to department', changecustomer: 'Change customer', changecase: 'Change case',
  create: 'Created', unpin: 'Unpin',
};

const dl = (rows) => h('dl', { class: 'fields' }, rows.filter(([, v]) => v !== '' && v != null && !(Array.isArray(v) && !v.length))
  .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));

const section = (id, title, ...content) =>
  h('section', { 'aria-labelledby': id, class: 'card' }, h('h2', { id }, title), ...content);

async function optional(path) {
  try {
    const res = await api.get(path);
    return res.body;
  } catch (err) {
    if (err.status === 404) return null;
    throw err;
  }
}

export async function activityView(main, [id], n) {
  const res = await api.get(`/core/casemgr/v3/activity/${id}?$attribute=all`);
  const a = res.body.activity[0];
  const [history, attachments, related] = await Promise.all([
    api.get(`/core/casemgr/v3/activity/${id}/history`).then(r => (r.body && r.body.history) || []),
    api.get(`/core/casemgr/v3/activity/${id}/attachment`).then(r => (r.body && r.body.attachment) || []),
    a.case ? api.get(`/core/casemgr/v3/activity?case=${a.case.id}&$pagesize=75`).then(r => (r.body && r.body.activity) || []) : [],
  ]);
  if (!current(n)) return;
  const assigned = a.status && a.status.assigned && a.status.assigned.user;
  const lockText = a.lock ? `Locked by user ${a.lock.user && a.lock.user.id} until ${fmtDate(a.lock.expires)}` : 'Not locked';
  main.append(
    h('h1', {}, `Activity ${a.id}`),
    h('p', { class: 'lead' }, a.subject || '(no subject)'),
    actionBar({ selection: () => [a], title: `Actions on activity ${a.id}` }),
    section('h-details', 'Details', dl([
      ['Type', [display(a.type), a.type && a.type.subtype ? ` · ${display(a.type.subtype)}` : '']],
      ['Mode', display(a.mode)],
      ['Status', display(a.status)],
      ['Assigned to', assigned ? userName(assigned) : ''],
      ['Queue', a.queue ? a.queue.name : ''],
      ['Department', a.department ? a.department.name : ''],
      ['Previous department', a.lastDepartment ? a.lastDepartment.name : ''],
      ['Case', a.case ? link(`/console/case/${a.case.id}`, `Case ${a.case.id}`) : ''],
      ['Priority', a.priority],
      ['Due', fmtDate(a.dueDate)],
      ['Pinned', a.pinned ? 'Yes' : 'No'],
      ['Lock', lockText],
      ['Contact point data', a.contactPointData],
      ['In reply to', a.responseTo ? link(`/console/activity/${a.responseTo.id}`, `Activity ${a.responseTo.id}`) : ''],
      ['Created', fmtDate(a.created)],
      ['Last modified', [fmtDate(a.lastModified), a.lastModifiedBy && a.lastModifiedBy.user ? ` by ${userName(a.lastModifiedBy.user)}` : '']],
      ...customAttributes(a.customAttributes),
    ])),
    section('h-customer', 'Customer', customerBlock(a.customer)),
    section('h-content', 'Content', contentBlock(a.payload)),
    section('h-replies', 'Replies and drafts', repliesBlock(a, related)),
    section('h-attachments', 'Attachments', attachmentsBlock(a.id, attachments)),
    section('h-history', 'History', historyBlock(history)),
  );
}

function customAttributes(ca) {
  const list = (ca && ca.customAttribute) || [];
  return list.map(c => [c.attribName, ((c.attribValues && c.attribValues.attribValue) || []).map(v => v.value).join(', ')]);
}

function customerBlock(c) {
  if (!c) return h('p', { class: 'muted' }, 'No customer.');
  const contact = c.contacts && c.contacts.contact && c.contacts.contact[0];
  const rows = [['Customer', link(`/console/customer/${c.id}`, `${c.customerName || ''} (${c.id})`)]];
  if (contact) {
    rows.push(['Contact', [contact.firstName, contact.lastName].filter(Boolean).join(' ') || contact.id]);
    for (const kind of POINT_KINDS) {
      for (const p of contact[kind] || []) rows.push([`Contact point (${kind})`, pointText(kind, p)]);
    }
  }
  return dl(rows);
}

function contentBlock(payload) {
  const content = payload && Object.values(payload).map(p => p && p.content).find(Boolean);
  if (!content || !(content.text || content.html)) return h('p', { class: 'muted' }, 'No content.');
  // HTML content is shown as its text: the console never renders markup
  // it did not write.
  return h('pre', { class: 'content' }, content.text || content.html);
}

function repliesBlock(a, related) {
  const replies = related.filter(r => r.responseTo && r.responseTo.id === a.id);
  if (!replies.length) return h('p', { class: 'muted' }, 'No replies.');
  return h('ul', {}, replies.map(r => h('li', {},
    link(`/console/activity/${r.id}`, `Activity ${r.id}`), ' · ', display(r.status),
    r.status && r.status.value !== 'completed' ? h('span', { class: 'badge' }, 'draft') : null,
    r.subject ? ` · ${r.subject}` : '')));
}

function attachmentsBlock(id, list) {
  if (!list.length) return h('p', { class: 'muted' }, 'No attachments.');
  return h('ul', {}, list.map(at => h('li', {},
    h('button', {
      type: 'button', class: 'link',
      onclick: () => api.download(`/core/casemgr/v3/activity/${id}/attachment/${at.id}`, at.name).catch(err => showError(err)),
    }, `Download ${at.name}`),
    ` · ${at.contentType || ''} · ${at.size} bytes`)));
}

// flatten turns a representation into "field" → text, keeping one readable
// value per field (a name rather than its ID, a displayValue rather than
// its value), so that two snapshots compare field by field.
function flatten(v, prefix = '', out = {}) {
  if (v == null) return out;
  if (typeof v !== 'object') { out[prefix] = String(v); return out; }
  if (Array.isArray(v)) { v.forEach((x, i) => flatten(x, v.length > 1 ? `${prefix}[${i + 1}]` : prefix, out)); return out; }
  for (const [k, x] of Object.entries(v)) {
    if (k === 'link') continue;
    if (k === 'value' && 'displayValue' in v) continue;
    if (k === 'id' && ('name' in v || 'customerName' in v)) continue;
    if ((k === 'firstName' || k === 'lastName') && 'name' in v) continue;
    const name = k === 'displayValue' || k === 'name' ? prefix : (prefix ? `${prefix} ${k}` : k);
    flatten(x, name, out);
  }
  return out;
}

function historyBlock(entries) {
  if (!entries.length) return h('p', { class: 'muted' }, 'No recorded changes.');
  return h('ol', { class: 'timeline' }, entries.slice().reverse().map(e => {
    const before = flatten(e.before);
    const after = flatten(e.after);
    const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .filter(k => before[k] !== after[k] && !/^(lastModified|lastModifiedBy)/.test(k)).sort();
    const by = e.after && e.after.lastModifiedBy && e.after.lastModifiedBy.user;
    const [kind, actorID] = String(e.actor).split(':');
    const who = by && by.id === actorID ? userName(by) : kind === 'client' ? `client application ${actorID}` : `${kind} ${actorID || ''}`.trim();
    return h('li', {},
      h('p', { class: 'when' }, h('strong', {}, OPERATIONS[e.action] || e.action), ` · ${who} · `, h('time', { datetime: e.at }, fmtDate(e.at))),
      e.before ? h('ul', { class: 'changes' }, changed.map(k => h('li', {},
        h('span', { class: 'fname' }, k), ': ', h('span', { class: 'before' }, before[k] ?? '—'), ' → ', h('span', { class: 'after' }, after[k] ?? '—'))))
        : h('p', { class: 'muted' }, 'Created.'));
  }));
}

export async function caseView(main, [id], n) {
  const [res, history] = await Promise.all([
    api.get(`/core/casemgr/v3/case/${id}`),
    api.get(`/core/casemgr/v3/case/${id}/history`).then(r => (r.body && r.body.history) || []),
  ]);
  if (!current(n)) return;
  const c = res.body.case[0];
  const related = (c.relatedCases && c.relatedCases.case) || [];
  const owner = c.owner && c.owner.user;
  main.append(
    h('h1', {}, `Case ${c.id}`),
    h('p', { class: 'lead' }, c.subject || '(no subject)'),
    section('h-case', 'Details', dl([
      ['Status', display(c.status)], ['Severity', display(c.severity)],
      ['Department', c.department ? c.department.name : ''], ['Owner', owner ? userName(owner) : ''],
      ['Customer', c.customer ? link(`/console/customer/${c.customer.id}`, `${c.customer.customerName || ''} (${c.customer.id})`) : 'None'],
      ['Description', c.description], ['Solution', c.solution], ['Due', fmtDate(c.dueDate)],
      ['Originating channel', display(c.originatingChannel)],
      ['Created', fmtDate(c.created)], ['Last modified', fmtDate(c.lastModified)], ['Last closed', fmtDate(c.lastClosed)],
      ...customAttributes(c.customAttributes),
    ])),
    section('h-related', 'Related cases', related.length
      ? h('ul', {}, related.map(r => h('li', {}, link(`/console/case/${r.id}`, `Case ${r.id}`))))
      : h('p', { class: 'muted' }, 'No related cases.')),
  );
  const acts = h('section', { 'aria-labelledby': 'h-activities' }, h('h2', { id: 'h-activities' }, 'Activities'));
  main.append(acts);
  await activityList(acts, { base: { case: c.id }, n, filters: false });
  if (!current(n)) return;
  main.append(section('h-history', 'History', historyBlock(history)));
}

export async function customerView(main, [id], n) {
  const res = await api.get(`/core/customermgr/v3/customer/${id}`);
  if (!current(n)) return;
  const c = res.body.customer[0];
  const contacts = (c.contacts && c.contacts.contact) || [];
  main.append(
    h('h1', {}, `Customer ${c.id}`),
    h('p', { class: 'lead' }, c.customerName || ''),
    actionBar({ selection: () => [], title: `Actions for customer ${c.id}`, defaults: { customer: c.id } }),
    section('h-cust', 'Details', dl([['Name', c.customerName], ['Type', display(c.type)],
      ['Department', c.department ? (c.department.name || c.department.id) : 'None'],
      ['Created', fmtDate(c.created)], ['Last modified', fmtDate(c.lastModified)]])),
    section('h-contacts', 'Contacts', contacts.length ? contacts.map(ct => h('div', { class: 'contact' },
      h('h3', {}, [ct.firstName, ct.lastName].filter(Boolean).join(' ') || `Contact ${ct.id}`),
      dl(POINT_KINDS.flatMap(kind => (ct[kind] || []).map(p => [kind, pointText(kind, p)])))))
      : h('p', { class: 'muted' }, 'No contacts.')),
  );
  // The cases of the customer: those of the activities the user sees.
  const acts = await optional(`/core/casemgr/v3/activity?customerID=${c.id}&$pagesize=75`);
  if (!current(n)) return;
  const caseIDs = [...new Set(((acts && acts.activity) || []).filter(a => a.case).map(a => a.case.id))];
  let cases = [];
  if (caseIDs.length) cases = (await api.get(`/core/casemgr/v3/case/${caseIDs.slice(0, 75).join(',')}`)).body.case;
  if (!current(n)) return;
  main.append(section('h-cases', 'Cases', cases.length
    ? h('ul', {}, cases.map(k => h('li', {}, link(`/console/case/${k.id}`, `Case ${k.id}`), ` · ${display(k.status)} · ${k.subject || ''}`)))
    : h('p', { class: 'muted' }, 'No cases.')));
  const list = h('section', { 'aria-labelledby': 'h-cact' }, h('h2', { id: 'h-cact' }, 'Activities'));
  main.append(list);
  await activityList(list, { base: { customerID: c.id }, n, filters: false, withActions: false });
}
