// Alerts: the project's rules (from the collector's configuration) with their state, and
// the history of notifications with how their delivery went (GET /alerts, /alerts/history).
import * as f from '../format.js';
import { empty, fill, h, num, panel, table } from '../ui.js';

export function render(root, ctx) {
  const rules = panel('Alert rules', { wide: true, testid: 'alert-rules' });
  const history = panel('Notifications', { wide: true, testid: 'alert-history' });
  root.append(h('div', { class: 'grid' }, rules.el, history.el));

  fill(rules.body, ctx.get('alerts', {}, { filtered: false }), (answer) => {
    if (!answer.rules.length) {
      return empty('No alert rules for this project. Add [[alerts.rules]] to the collector\'s configuration (docs/alerts.md).');
    }
    return table([
      { label: 'Rule', cell: (r) => r.name },
      { label: 'Kind', cell: (r) => r.kind },
      { label: 'State', cell: (r) => h('span', { class: `badge ${r.state === 'firing' ? 'warn' : 'ok'}`, testid: 'alert-state', 'data-value': f.raw(r.state) }, r.state) },
      { label: 'Last value', num: true, cell: (r) => num(r.value, f.count(r.value), { testid: 'alert-value' }) },
      { label: 'Threshold', num: true, cell: (r) => num(r.threshold, f.count(r.threshold)) },
      { label: 'Window', num: true, cell: (r) => `${r.window_minutes} min` },
      { label: 'Since', cell: (r) => (r.since ? f.time(r.since) : f.DASH) },
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
    ], answer.history, { row: (e) => ({ testid: 'alert-history-row' }) });
  }, ctx.signal);
}
