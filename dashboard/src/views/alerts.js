// Alerts: the project's rules (from the collector's configuration file and created here)
// with their state, a form to create a rule, and the history of notifications with how
// their delivery went (GET /alerts, POST and DELETE /alerts/rules, GET /alerts/history).
import * as f from '../format.js';
import { empty, errorBox, fill, h, num, panel, table } from '../ui.js';

const KINDS = {
  error_count: 'Errors over N in the window',
  users_affected: 'Users affected by an issue over N',
  new_issue: 'A new issue',
  regression: 'A resolved issue seen again',
  vital_p75: 'P75 of a web vital over N',
  page_views_below: 'Page views below N (site down?)',
  events_below: 'Events below N (ingest stalled?)',
  consumer_lag: 'Consumer lag over N messages (Kafka mode)',
};
const VITALS = ['LCP', 'INP', 'CLS', 'FCP', 'TTFB'];

export function render(root, ctx) {
  const rules = panel('Alert rules', { wide: true, testid: 'alert-rules' });
  const create = panel('New rule', { wide: true, testid: 'alert-create' });
  const history = panel('Notifications', { wide: true, testid: 'alert-history' });
  root.append(h('div', { class: 'grid' }, rules.el, create.el, history.el));
  create.body.append(ruleForm(ctx));

  fill(rules.body, ctx.get('alerts', {}, { filtered: false }), (answer) => {
    if (!answer.rules.length) {
      return empty('No alert rules for this project yet. Create one below, or add [[alerts.rules]] to the collector\'s configuration (docs/alerts.md).');
    }
    return table([
      { label: 'Rule', cell: (r) => r.name },
      { label: 'Kind', cell: (r) => r.kind + (r.vital ? ` ${r.vital}` : '') },
      { label: 'State', cell: (r) => h('span', { class: `badge ${r.state === 'firing' ? 'warn' : 'ok'}`, testid: 'alert-state', 'data-value': f.raw(r.state) }, r.state) },
      { label: 'Last value', num: true, cell: (r) => num(r.value, f.count(r.value), { testid: 'alert-value' }) },
      { label: 'Threshold', num: true, cell: (r) => num(r.threshold, f.count(r.threshold)) },
      { label: 'Window', num: true, cell: (r) => `${r.window_minutes} min` },
      { label: 'Since', cell: (r) => (r.since ? f.time(r.since) : f.DASH) },
      { label: '', cell: (r) => h('div', { class: 'row' }, testButton(ctx, r),
        r.source === 'api' ? deleteButton(ctx, r) : h('span', { class: 'muted', title: 'Change it in the collector\'s configuration file' }, 'config file')) },
    ], answer.rules, { row: (r) => ({ testid: 'alert-rule', 'data-name': r.name }) });
  }, ctx.signal);

  fill(history.body, ctx.get('alerts/history', { limit: 100 }, { filtered: false }), (answer) => {
    if (!answer.history.length) return empty('No notification sent yet.');
    return table([
      { label: 'Time', cell: (e) => f.time(e.at) },
      { label: 'Rule', cell: (e) => e.rule },
      { label: 'Event', cell: (e) => h('span', { class: 'badge', testid: 'alert-event' }, e.event) },
      { label: 'Value', num: true, cell: (e) => num(e.value, f.count(e.value)) },
      { label: 'Delivery', cell: (e) => h('span', { class: `badge ${e.delivered ? 'ok' : 'warn'}`, testid: 'alert-delivery', 'data-value': f.raw(e.delivered) },
        e.delivered ? `delivered (${e.attempts} ${e.attempts === 1 ? 'try' : 'tries'})` : `failed: ${e.error || 'no answer'}`) },
    ], answer.history, { row: () => ({ testid: 'alert-history-row' }) });
  }, ctx.signal);
}

const rulePath = (ctx, name) => `alerts/rules${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

/** Sends the rule's webhook a test notification and says how its delivery went. */
function testButton(ctx, rule) {
  const result = h('span', { class: 'muted', testid: 'alert-test-result' });
  const button = h('button', {
    type: 'button', class: 'btn small', testid: 'alert-test', title: 'Send a test notification to the webhook',
    onclick: async () => {
      button.disabled = true;
      result.textContent = 'sending…';
      try {
        const d = await ctx.send(`${rulePath(ctx, rule.name)}/test`, 'POST');
        result.dataset.value = f.raw(d.delivered);
        result.textContent = d.delivered ? `delivered (${d.status})` : `failed after ${d.attempts} tries: ${d.error || 'no answer'}`;
      } catch (error) {
        result.replaceChildren(errorBox(error));
      } finally {
        button.disabled = false;
      }
    },
  }, 'Test');
  return h('span', {}, button, ' ', result);
}

function deleteButton(ctx, rule) {
  return h('button', {
    type: 'button', class: 'btn small', testid: 'alert-delete',
    onclick: async (event) => {
      event.currentTarget.disabled = true;
      try {
        await ctx.send(rulePath(ctx, rule.name), 'DELETE');
        ctx.rerender();
      } catch (error) {
        event.target.replaceWith(errorBox(error));
      }
    },
  }, 'Delete');
}

/** The form that creates a rule; the collector checks it and says what is wrong. */
function ruleForm(ctx) {
  const field = (label, input) => h('label', { class: 'field' }, h('span', {}, label), input);
  const input = (name, attrs = {}) => h('input', { name, testid: `rule-${name}`, ...attrs });
  const select = (name, options) => h('select', { name, testid: `rule-${name}` },
    ...Object.entries(options).map(([value, label]) => h('option', { value }, label)));
  const kind = select('kind', KINDS);
  const vital = select('vital', Object.fromEntries(VITALS.map((v) => [v, v])));
  const vitalField = field('Vital', vital);
  const pageField = field('Page path', input('page', { placeholder: 'all pages' }));
  const issueField = field('Issue', input('issue', { placeholder: 'all issues (fingerprint)' }));
  const status = h('div', { testid: 'rule-status', role: 'status' });
  const form = h('form', { class: 'rule-form', testid: 'rule-form' },
    field('Name', input('name', { required: true, maxlength: 100, placeholder: 'checkout errors' })),
    field('When', kind),
    vitalField, pageField, issueField,
    field('Threshold', input('threshold', { type: 'number', min: 0, step: 'any', value: 10 })),
    field('Window (min)', input('window_minutes', { type: 'number', min: 1, max: 1440, value: 5 })),
    field('Notify again after (s)', input('action_interval_secs', { type: 'number', min: 0, value: 3600 })),
    field('Webhook URL', input('webhook', { type: 'url', required: true, placeholder: 'https://hooks.example/…' })),
    field('Format', select('format', { json: 'JSON', slack: 'Slack' })),
    h('button', { type: 'submit', class: 'btn primary', testid: 'rule-submit' }, 'Create rule'),
    status);
  const showFields = () => {
    vitalField.hidden = kind.value !== 'vital_p75';
    pageField.hidden = kind.value !== 'vital_p75';
    issueField.hidden = !['error_count', 'users_affected'].includes(kind.value);
  };
  kind.addEventListener('change', showFields);
  showFields();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const rule = {
      name: data.get('name'),
      kind: data.get('kind'),
      threshold: Number(data.get('threshold') || 0),
      window_minutes: Number(data.get('window_minutes') || 5),
      action_interval_secs: Number(data.get('action_interval_secs') || 0),
      webhook: data.get('webhook'),
      format: data.get('format'),
    };
    if (!vitalField.hidden) rule.vital = data.get('vital');
    if (!pageField.hidden && data.get('page')) rule.page = data.get('page');
    if (!issueField.hidden && data.get('issue')) rule.issue = data.get('issue');
    status.replaceChildren('Saving…');
    try {
      await ctx.send(rulePath(ctx), 'POST', rule);
      ctx.rerender();
    } catch (error) {
      status.replaceChildren(errorBox(error));
    }
  });
  return form;
}
