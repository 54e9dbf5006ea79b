// The actions on one activity or a selection of up to 75: each a form that
// sends the operation's real request, with the lastModified values the
// page read (transfer). A refusal is shown with the API's message for every
// activity it names; a 409 offers to reload; a form never sends twice.
import * as api from './api.js';
import { h, field, select, link, showStatus, showError, showAlert, clearMessages, POINT_KINDS, pointText } from './ui.js';
import { ctx, rerender, reload, memberDepartments } from './app.js';

const MAX = 75;
const idsOf = (acts) => acts.map(a => a.id);
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

// actionBar is the toolbar of the four actions and the place where the
// chosen action's form opens. selection returns the selected activities;
// hide(on) hides the page's other forms while an action form is open, so
// that no two controls on screen share a label.
export function actionBar({ selection, hide = () => {}, title = 'Actions on the selected activities', defaults = {} }) {
  const count = h('span', { class: 'count', 'aria-live': 'polite' });
  const slot = h('div', { class: 'action-form' });
  const open = (make, needsSelection = true) => () => {
    const acts = selection();
    if (needsSelection && acts.length === 0) {
      showAlert(h('p', {}, 'Select at least one activity first.'));
      return;
    }
    if (acts.length > MAX) {
      showAlert(h('p', {}, `Select at most ${MAX} activities.`));
      return;
    }
    clearMessages();
    const close = () => { slot.replaceChildren(); toolbar.hidden = false; hide(false); toolbar.querySelector('button').focus(); };
    const form = make(acts, close, defaults);
    toolbar.hidden = true;
    hide(true);
    slot.replaceChildren(form);
    const first = form.querySelector('input, select, textarea, button');
    if (first) first.focus();
  };
  const toolbar = h('div', { role: 'toolbar', 'aria-label': title, class: 'toolbar' },
    h('button', { type: 'button', onclick: open(changeCustomerForm) }, 'Change customer'),
    h('button', { type: 'button', onclick: open(changeCaseForm) }, 'Change case'),
    h('button', { type: 'button', onclick: open(transferForm) }, 'Transfer'),
    h('button', { type: 'button', onclick: open(logCallForm, false) }, 'Log a call'),
    count);
  const bar = h('section', { class: 'actions', 'aria-label': 'Actions' }, toolbar, slot);
  bar.update = () => {
    const n = selection().length;
    count.textContent = n ? `${plural(n, 'activity', 'activities')} selected` : '';
  };
  bar.update();
  return bar;
}

// actionForm builds a form whose submit runs send once at a time: the
// submit button is disabled until the answer is in.
function actionForm(label, heading, acts, close, controls, submitText, send) {
  const submit = h('button', { type: 'submit' }, submitText);
  const form = h('form', { 'aria-label': label, class: 'card' },
    h('h2', {}, heading),
    acts.length ? h('p', { class: 'lead' }, 'Activities: ', acts.map(a => a.id).join(', ')) : null,
    controls,
    h('div', { class: 'buttons' }, submit, h('button', { type: 'button', class: 'secondary', onclick: close }, 'Cancel')));
  let busy = false;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy) return;
    busy = true;
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      const message = await send();
      showStatus(...[].concat(message));
      await rerender();
    } catch (err) {
      if (!(err instanceof api.ApiError)) throw err;
      showError(err, reload);
      busy = false;
      submit.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });
  return form;
}

function transferForm(acts, close) {
  const own = new Set(acts.map(a => a.department && a.department.id));
  const dept = select(ctx.departments.map(d => [d.id, d.name]), { id: 'transfer-department', name: 'department' });
  const firstOther = ctx.departments.find(d => !own.has(d.id));
  if (firstOther) dept.value = firstOther.id;
  const unpin = h('input', { type: 'checkbox', id: 'transfer-unpin', name: 'unpin' });
  const keep = h('input', { type: 'checkbox', id: 'transfer-keep', name: 'reassign' });
  const controls = [
    field('Department', dept),
    h('div', { class: 'check' }, unpin, h('label', { for: 'transfer-unpin' }, 'Unpin')),
    h('small', {}, 'Transfer pinned activities too (they are unpinned).'),
    h('div', { class: 'check' }, keep, h('label', { for: 'transfer-keep' }, 'Keep assigned')),
    h('small', {}, 'Activities assigned to you stay assigned to you when you work in the target department.'),
  ];
  return actionForm('Transfer', 'Transfer to department', acts, close, controls, 'Transfer', async () => {
    const q = new URLSearchParams();
    if (unpin.checked) q.set('unpin', 'yes');
    if (keep.checked) q.set('reassign', 'yes');
    const target = ctx.departments.find(d => d.id === dept.value);
    await api.request('PATCH', `/core/casemgr/v3/activity/transfer/department/${dept.value}${q.size ? '?' + q : ''}`, {
      body: { activity: acts.map(a => ({ id: a.id, lastModified: a.lastModified })) },
    });
    return `Transferred ${plural(acts.length, 'activity', 'activities')} (${idsOf(acts).join(', ')}) to ${target ? target.name : dept.value}.`;
  });
}

function changeCustomerForm(acts, close) {
  const custID = h('input', { id: 'cc-customer', inputmode: 'numeric', pattern: '[0-9]+' });
  const first = acts.find(a => a.customer);
  if (first) custID.value = first.customer.id;
  const point = h('select', { id: 'cc-point', required: true });
  const found = h('p', { class: 'muted', 'aria-live': 'polite' }, 'Find the customer to list their contact points.');
  const pointKind = new Map();
  const lookup = h('input', { id: 'cc-lookup' });
  const matches = h('select', { id: 'cc-matches', hidden: true });
  // search finds customers by phone, email or a part of the name and puts
  // the first match's ID in the Customer ID field.
  const search = async () => {
    const v = lookup.value.trim();
    if (!v) return true;
    const param = /^\+?\d+$/.test(v) ? 'phone' : v.includes('@') ? 'email' : 'customerName';
    const res = await api.get(`/core/customermgr/v3/customer?${param}=${encodeURIComponent(v)}&$pagesize=25`);
    const list = (res.body && res.body.customer) || [];
    matches.replaceChildren(...list.map(c => h('option', { value: c.id }, `${c.customerName} (${c.id})`)));
    matches.hidden = list.length < 2;
    matchesField.hidden = list.length < 2;
    if (!list.length) { found.textContent = 'No customer matches.'; return false; }
    custID.value = list[0].id;
    return true;
  };
  const matchesField = field('Matching customers', matches);
  matchesField.hidden = true;
  matches.addEventListener('change', () => { custID.value = matches.value; find(false); });
  // finds counts the lookups, so that only the latest one fills the form
  // (the one started with the form may answer after the user's own).
  let finds = 0;
  const find = async (searchFirst = true) => {
    const mine = ++finds;
    point.replaceChildren();
    pointKind.clear();
    try {
      if (searchFirst && !(await search())) return;
    } catch (err) {
      showError(err);
      return;
    }
    if (mine !== finds) return;
    if (!/^\d+$/.test(custID.value.trim())) { found.textContent = 'Enter a customer ID, or a phone, email or name to search.'; return; }
    try {
      const res = await api.get(`/core/customermgr/v3/customer/${custID.value.trim()}`);
      if (mine !== finds) return;
      const c = res.body.customer[0];
      found.textContent = `${c.customerName} (${c.id})`;
      for (const contact of (c.contacts && c.contacts.contact) || []) {
        const who = [contact.firstName, contact.lastName].filter(Boolean).join(' ');
        for (const kind of POINT_KINDS) {
          for (const p of contact[kind] || []) {
            pointKind.set(p.id, kind);
            point.append(h('option', { value: p.id }, `${kind}: ${pointText(kind, p)} — ${who}`));
          }
        }
      }
    } catch (err) {
      found.textContent = '';
      showError(err);
    }
  };
  const controls = [
    h('div', { class: 'row' }, field('Customer ID', custID), field('Or phone, email or name', lookup),
      h('button', { type: 'button', class: 'secondary', onclick: () => find() }, 'Find customer')),
    matchesField,
    found,
    field('Contact point', point, 'Its kind must suit the activities: an email address for email, a phone for a call, …'),
  ];
  if (first) queueMicrotask(() => find(false));
  return actionForm('Change customer', 'Change customer', acts, close, controls, 'Change customer', async () => {
    const kind = pointKind.get(point.value);
    if (!kind) throw new api.ApiError(400, { userMessage: 'Find the customer and choose a contact point.' });
    await api.request('PATCH', '/core/casemgr/v3/activity/changecustomer', {
      body: { activity: acts.map(a => ({ id: a.id, customer: { contacts: { contact: [{ [kind]: [{ id: point.value }] }] } } })) },
    });
    return `Changed the customer of ${plural(acts.length, 'activity', 'activities')} (${idsOf(acts).join(', ')}) to ${found.textContent}.`;
  });
}

function changeCaseForm(acts, close) {
  const existing = h('input', { type: 'radio', name: 'target', id: 'cs-existing', value: 'existing', checked: true });
  const fresh = h('input', { type: 'radio', name: 'target', id: 'cs-new', value: 'new' });
  const caseID = h('input', { id: 'cs-case', inputmode: 'numeric', pattern: '[0-9]+' });
  const subject = h('input', { id: 'cs-subject', maxlength: 1024 });
  const description = h('textarea', { id: 'cs-description', rows: 3 });
  const severity = select([['', 'Default'], ['urgent', 'Urgent'], ['high', 'High'], ['medium', 'Medium'], ['low', 'Low']], { id: 'cs-severity' });
  const relate = h('input', { type: 'checkbox', id: 'cs-relate' });
  const newFields = h('fieldset', { disabled: true }, h('legend', {}, 'New case'),
    field('Subject', subject), field('Description', description), field('Severity', severity));
  const existingFields = h('div', {}, field('Case ID', caseID));
  const sync = () => { newFields.disabled = !fresh.checked; caseID.disabled = fresh.checked; };
  existing.addEventListener('change', sync);
  fresh.addEventListener('change', sync);
  const controls = [
    h('fieldset', {}, h('legend', {}, 'Move the activities to'),
      h('div', { class: 'check' }, existing, h('label', { for: 'cs-existing' }, 'An existing case')),
      h('div', { class: 'check' }, fresh, h('label', { for: 'cs-new' }, 'A new case'))),
    existingFields, newFields,
    h('div', { class: 'check' }, relate, h('label', { for: 'cs-relate' }, 'Relate the old and the new case')),
  ];
  return actionForm('Change case', 'Change case', acts, close, controls, 'Change case', async () => {
    let body;
    if (fresh.checked) {
      const c = {};
      if (subject.value.trim()) c.subject = subject.value.trim();
      if (description.value.trim()) c.description = description.value.trim();
      if (severity.value) c.severity = { value: severity.value };
      body = { case: c };
    } else {
      body = { id: caseID.value.trim() };
    }
    const res = await api.request('PATCH', `/core/casemgr/v3/activity/${idsOf(acts).join(',')}/changecase${relate.checked ? '?relateCase=yes' : ''}`, { body });
    const loc = res.headers.get('Location');
    const newID = loc && loc.split('/').pop();
    const target = newID || body.id;
    return [`Moved ${plural(acts.length, 'activity', 'activities')} (${idsOf(acts).join(', ')}) to ${newID ? 'the new ' : ''}case `,
      link(`/console/case/${target}`, target), '.'];
  });
}

function logCallForm(acts, close, defaults) {
  const one = acts.length === 1 ? acts[0] : null;
  const dept = select(memberDepartments().map(d => [d.name, d.name]), { id: 'lc-department' });
  if (one && one.department) dept.value = one.department.name;
  const custID = h('input', { id: 'lc-customer', inputmode: 'numeric', pattern: '[0-9]+', value: (one && one.customer && one.customer.id) || (defaults.customer || '') });
  const cpd = h('input', { id: 'lc-cpd' });
  const ct = ctx.types.find(t => t.value === 'call_track');
  const subtype = select(((ct && ct.subtype) || []).map(s => [s.value, s.displayValue]), { id: 'lc-subtype' });
  const mode = select([['inbound', 'Inbound'], ['outbound', 'Outbound']], { id: 'lc-mode' });
  const subject = h('input', { id: 'lc-subject', maxlength: 255, required: true });
  const notes = h('textarea', { id: 'lc-notes', rows: 4 });
  const caseID = h('input', { id: 'lc-case', inputmode: 'numeric', pattern: '[0-9]*', value: (one && one.case && one.case.id) || '' });
  const file = h('input', { id: 'lc-file', type: 'file' });
  const controls = [
    h('div', { class: 'row' }, field('Department', dept), field('Subtype', subtype), field('Mode', mode)),
    h('div', { class: 'row' }, field('Customer ID', custID), field('Or the caller\'s phone or email', cpd, 'Digits only for a phone number.')),
    field('Subject', subject), field('Notes', notes),
    h('div', { class: 'row' }, field('Case ID', caseID, 'Empty: a new case is opened.'), field('Attachment', file)),
  ];
  return actionForm('Log a call', 'Log a call', [], close, controls, 'Log a call', async () => {
    const body = {
      department: { name: dept.value },
      type: { value: 'call_track', subtype: { value: subtype.value } },
      mode: { value: mode.value },
      subject: subject.value.trim(),
    };
    if (cpd.value.trim()) body.contactPointData = cpd.value.trim();
    else if (custID.value.trim()) body.customer = { id: custID.value.trim() };
    if (notes.value.trim()) body.payload = { calltrack: { content: { text: notes.value.trim() } } };
    if (caseID.value.trim()) body.case = { id: caseID.value.trim() };
    if (file.files.length) {
      const f = file.files[0];
      const up = await api.request('POST', `/core/casemgr/v3/attachment?name=${encodeURIComponent(f.name)}`,
        { raw: f, contentType: f.type || 'application/octet-stream' });
      body.attachments = { attachment: [{ altId: up.body.attachment[0].altId }] };
    }
    const res = await api.request('POST', '/core/casemgr/v3/activity/calltrack', { body });
    const id = (res.headers.get('Location') || '').split('/').pop();
    return ['Call logged as activity ', link(`/console/activity/${id}`, id), '.'];
  });
}
