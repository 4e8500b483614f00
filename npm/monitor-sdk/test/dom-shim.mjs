// A few DOM stand-ins for the loader's unit tests under node: elements with the handful of
// properties the loader reads, a window that is an EventTarget, and location and document.

export class FakeElement {
  constructor(tag, { id = '', classes = [], attrs = {}, text = '', parent = null } = {}) {
    this.nodeType = 1;
    this.nodeName = tag.toUpperCase();
    this.id = id;
    this.classList = classes;
    this.attrs = attrs;
    this.text = text;
    this.parentNode = parent;
    this.isContentEditable = false;
  }
  getAttribute(name) {
    return name in this.attrs ? this.attrs[name] : name === 'id' && this.id ? this.id : null;
  }
  // Selector lists of tag names and `[attribute]`s, which is all the loader asks for.
  closest(selector) {
    const parts = selector.split(',');
    const matches = (node) =>
      parts.some((p) => {
        const attr = p.match(/^\[([^=\]]+)\]$/);
        return attr ? attr[1] in node.attrs : p.toUpperCase() === node.nodeName;
      });
    for (let node = this; node && node.nodeType === 1; node = node.parentNode) {
      if (matches(node)) return node;
    }
    return null;
  }
}

export function installDom(href = 'https://app.test/start') {
  const win = new EventTarget();
  const loc = new URL(href);
  globalThis.window = win;
  globalThis.location = loc;
  globalThis.document = {
    cookie: '',
    createTreeWalker(element) {
      let done = false;
      return {
        nextNode() {
          if (done || !element.text) return false;
          done = true;
          this.currentNode = { data: element.text };
          return true;
        },
      };
    },
  };
  win.history = {
    state: null,
    pushState(state, _title, url) {
      this.state = state;
      loc.href = new URL(url, loc.href).href;
      return 'push-result';
    },
    replaceState(state, _title, url) {
      this.state = state;
      loc.href = new URL(url, loc.href).href;
    },
  };
  return win;
}

// Dispatches an event of `type` on `win` whose own properties (`target`, `clientX`, ...) are
// `props`: node's EventTarget would report the window itself as the target.
export function dispatch(win, type, props = {}) {
  const event = new Event(type);
  for (const [key, value] of Object.entries(props)) Object.defineProperty(event, key, { value });
  win.dispatchEvent(event);
  return event;
}

export const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
