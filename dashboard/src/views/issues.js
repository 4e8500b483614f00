// Issues: grouped errors with their counts, users, sparkline and status; resolve, ignore
// and unresolve through PATCH /issues/{fingerprint}.
import { select } from '../filters.js';
import * as f from '../format.js';
import { empty, errorBox, fill, h, num, panel, sparkline, table } from '../ui.js';

const STATUSES = ['unresolved', 'resolved', 'ignored', 'all'];
const SORTS = ['count', 'users', 'last_seen'];
const SORT_LABELS = { count: 'events', users: 'users', last_seen: 'last seen' };

export function render(root, ctx) {
  const q = ctx.route.query;
  const status = STATUSES.includes(q.get('status')) ? q.get('status') : 'unresolved';
  const sort = SORTS.includes(q.get('sort')) ? q.get('sort') : 'count';
  const total = num(null, '…', { testid: 'issues-total' });
  const list = panel(h('span', {}, 'Issues ', h('span', { class: 'muted' }, '(', total, ')')), { wide: true, testid: 'issues' });
  const toolbar = h('div', { class: 'toolbar' },
    h('div', { class: 'presets', role: 'group', 'aria-label': 'Status', testid: 'issues-status-filter' },
      STATUSES.map((s) => h('button', {
        type: 'button', class: `chip${s === status ? ' on' : ''}`, testid: `issues-status-${s}`, 'aria-pressed': String(s === status),
        onclick: () => ctx.setQuery({ status: s === 'unresolved' ? '' : s, sort: sort === 'count' ? '' : sort }),
      }, s))),
    h('label', { class: 'field inline' }, h('span', {}, 'Sort by'),
      select('sort', sort, SORTS, ({ sort: next }) => ctx.setQuery({ status: status === 'unresolved' ? '' : status, sort: next === 'count' ? '' : next }), 'issues-sort')));
  [...toolbar.querySelectorAll('[data-testid=issues-sort] option')].forEach((o) => { o.textContent = SORT_LABELS[o.value]; });
  root.append(toolbar, h('div', { class: 'grid' }, list.el));

  fill(list.body, ctx.get('issues', { status, sort, limit: 100 }), (answer) => {
    total.textContent = f.count(answer.total);
    total.dataset.value = JSON.stringify(answer.total);
    if (!answer.issues.length) {
      return empty(status === 'unresolved'
        ? 'No unresolved issues in this range. Errors your app throws are grouped into issues here.'
        : `No ${status === 'all' ? '' : `${status} `}issues in this range.`, { snippet: status === 'unresolved' || status === 'all' });
    }
    return [
      issueTable(answer.issues, ctx),
      answer.total > answer.issues.length && h('p', { class: 'muted small' }, `Showing ${answer.issues.length} of ${answer.total}.`),
    ];
  }, ctx.signal);
}

function issueTable(issues, ctx) {
  return table([
    {
      label: 'Issue', class: 'issue-cell', cell: (i) => [
        h('a', { href: ctx.link(`/issues/${i.fingerprint}`), class: 'issue-title', testid: 'issue-title' }, i.title || '(no message)'),
        i.regression && h('span', { class: 'badge warn', testid: 'issue-regression', title: 'Resolved, then seen again in a newer release' }, 'regression'),
        h('div', { class: 'muted small ellipsis', testid: 'issue-culprit', title: i.culprit }, i.culprit || '—'),
      ],
    },
    { label: 'Level', cell: (i) => h('span', { class: `badge level-${i.level}`, testid: 'issue-level' }, i.level) },
    { label: 'Events', num: true, cell: (i) => num(i.count, f.count(i.count), { testid: 'issue-count', title: `${i.total_count} in all` }) },
    { label: 'Users', num: true, cell: (i) => num(i.users, f.count(i.users), { testid: 'issue-users' }) },
    { label: 'Trend', cell: (i) => sparkline(i.series.map((p) => p.count)) },
    { label: 'First seen', cell: (i) => num(i.first_seen, f.ago(i.first_seen), { testid: 'issue-first-seen', title: f.time(i.first_seen) }) },
    { label: 'Last seen', cell: (i) => num(i.last_seen, f.ago(i.last_seen), { testid: 'issue-last-seen', title: f.time(i.last_seen) }) },
    { label: 'Status', cell: (i) => statusBadge(i.status) },
    { label: '', class: 'actions-cell', cell: (i) => statusActions(i, ctx) },
  ], issues, { testid: 'issue-table', stack: true, row: (i) => ({ testid: 'issue-row', 'data-fingerprint': i.fingerprint, 'data-status': i.status }) });
}

export const statusBadge = (status) =>
  h('span', { class: `badge status-${status}`, testid: 'issue-status', 'data-value': JSON.stringify(status) }, status);

/**
 * Resolve / ignore / unresolve buttons for `issue`. After a change the issue's row (or
 * page) shows the new status in place; onChange(updated) gets the API's answer.
 */
export function statusActions(issue, ctx, onChange = () => {}) {
  const wrap = h('div', { class: 'actions', testid: 'issue-actions' });
  const message = h('div', { class: 'small' });
  const draw = (status) => {
    const button = (to, label, testid) => h('button', {
      type: 'button', class: `btn small${to === 'resolved' ? ' primary' : ''}`, testid,
      onclick: async () => {
        wrap.querySelectorAll('button').forEach((b) => { b.disabled = true; });
        message.replaceChildren();
        try {
          const updated = await ctx.send(`issues/${issue.fingerprint}`, 'PATCH', { status: to });
          const row = wrap.closest('[data-fingerprint]');
          if (row) row.dataset.status = updated.status;
          row?.querySelector('[data-testid=issue-status]')?.replaceWith(statusBadge(updated.status));
          row?.querySelector('[data-testid=issue-regression]')?.remove();
          draw(updated.status);
          onChange(updated);
        } catch (error) {
          if (error?.name === 'AbortError') return;
          draw(status);
          message.replaceChildren(errorBox(error));
        }
      },
    }, label);
    wrap.replaceChildren(...[
      status !== 'resolved' && button('resolved', 'Resolve', 'resolve-button'),
      status !== 'ignored' && button('ignored', 'Ignore', 'ignore-button'),
      status !== 'unresolved' && button('unresolved', 'Unresolve', 'unresolve-button'),
      message,
    ].filter(Boolean));
  };
  draw(issue.status);
  return wrap;
}
