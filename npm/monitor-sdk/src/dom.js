// Reading elements: a short CSS-like selector that names an element in reports, and what a
// click or a form may say about itself. Nothing here ever reads what a user typed.

// Names an element the way Google's web-vitals does (for attribution, and everywhere else
// for consistency): `tag.classes` (sorted) per level, joined by `>`, up to an element with an
// id, at most 100 characters.
export function selector(node) {
  let path = '';
  try {
    for (let depth = 0; node && node.nodeType !== 9 && depth < 50; depth++) {
      const part = node.id
        ? '#' + node.id
        : [
            node.nodeType === 1 ? node.nodeName.toLowerCase() : node.nodeName.toUpperCase().replace(/^#/, ''),
            ...Array.from(node.classList || []).sort(),
          ].join('.');
      if (path.length + part.length > 99) return path || part;
      path = path ? part + '>' + path : part;
      if (node.id) break;
      node = node.parentNode;
    }
  } catch (_) {
    // a detached or exotic node: what was built so far
  }
  return path;
}

// The element an event happened on (text nodes and shadow roots lead to their element).
export function elementOf(target) {
  let node = target;
  while (node && node.nodeType !== 1) node = node.parentNode || node.host;
  return node || null;
}

const SECRET_AUTOCOMPLETE = /^(cc-|current-password|new-password|one-time-code)/;

// Whether an element must never be recorded: inside `data-monitor-ignore`, or an input that
// holds a password or payment card.
export function isPrivate(element) {
  if (!element || typeof element.closest !== 'function') return true;
  if (element.closest('[data-monitor-ignore]')) return true;
  const type = (element.getAttribute('type') || '').toLowerCase();
  const autocomplete = (element.getAttribute('autocomplete') || '').toLowerCase();
  return type === 'password' || SECRET_AUTOCOMPLETE.test(autocomplete);
}

// The text of a clicked element, whitespace collapsed, cut to 100 characters. Read from its
// text nodes, stopping once there is enough: `innerText` would force a layout, and a click
// on <body> would copy the whole page's text. Form fields say nothing: their text is what
// the user typed.
export function visibleText(element) {
  const tag = element.nodeName;
  if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || element.isContentEditable) return '';
  const walker = document.createTreeWalker(element, 4 /* NodeFilter.SHOW_TEXT */);
  let text = '';
  while (text.length < 200 && walker.nextNode()) text += walker.currentNode.data + ' ';
  return text.replace(/\s+/g, ' ').trim().slice(0, 100);
}

// The path of a URL, resolved against the page (a form's `action`).
export function pathOf(url) {
  try {
    return new URL(url, location.href).pathname;
  } catch (_) {
    return '';
  }
}
