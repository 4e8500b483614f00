// The app a user writes: import the SDK, call init in the entry file, go on with the app.
import * as Monitor from '@org/monitor-sdk';

const params = new URLSearchParams(location.search);

const ready = Monitor.init({
  dsn: params.get('dsn'),
  release: 'e2e-app@1.0.0',
  environment: 'e2e',
  debug: true,
  flushInterval: Number(params.get('flushInterval') || 100),
  user: { id: 'user-42' },
  tags: { suite: 'e2e' },
  integrations: [
    {
      name: 'PageTagger',
      setup(client) {
        client.setTag('plugin_setup', 'yes');
      },
      processEvent(event) {
        event.tags = { ...event.tags, plugin: 'PageTagger' };
        return event;
      },
    },
  ],
  beforeSend(event) {
    return event.type === 'custom' && event.name === 'dropped-by-before-send' ? null : event;
  },
});

// Thrown while the wasm is still loading: the loader must keep it and hand it over.
queueMicrotask(function throwBeforeReady() {
  throw new Error('early error before wasm ready');
});

function throwAfterReady() {
  throw new Error('uncaught error after ready');
}

async function rejectAfterReady() {
  throw new Error('rejected promise after ready');
}

ready.then((running) => {
  window.__monitorRunning = running;
  if (params.get('scenario') === 'leave') {
    Monitor.track('sent-by-beacon', { step: 1 });
    window.__done = true;
    return;
  }
  Monitor.track('signup', { plan: 'pro', seats: 3 });
  Monitor.track('dropped-by-before-send');
  setTimeout(throwAfterReady, 0);
  setTimeout(rejectAfterReady, 0);
  setTimeout(() => {
    window.__done = true;
  }, 50);
});
