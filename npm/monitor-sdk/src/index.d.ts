// Types for @org/monitor-sdk. The wire format of events is defined in docs/protocol.md.

export type Level = 'fatal' | 'error' | 'warning' | 'info' | 'debug';

export type EventType =
  | 'error'
  | 'message'
  | 'resource_error'
  | 'http_error'
  | 'web_vital'
  | 'page_view'
  | 'click'
  | 'rage_click'
  | 'form_submit'
  | 'time_on_page'
  | 'custom';

export interface StackFrame {
  filename: string;
  function: string;
  /** 1-based. */
  lineno?: number;
  /** 1-based. */
  colno?: number;
  in_app: boolean;
}

export interface ExceptionValue {
  type: string;
  value: string;
  mechanism: {
    type: 'onerror' | 'onunhandledrejection' | 'generic' | 'early';
    handled: boolean;
    data?: { original?: string; cross_origin?: boolean };
  };
  /** Oldest call first; the frame that threw is last. */
  stacktrace?: { frames: StackFrame[] };
}

export interface Breadcrumb {
  /** Milliseconds since the epoch; defaults to now. */
  timestamp?: number;
  category?: string;
  message?: string;
  level?: Level;
  data?: Record<string, unknown>;
}

export interface User {
  id?: string;
  email?: string;
  username?: string;
  [key: string]: string | number | boolean | undefined;
}

/** An event as the SDK sends it; what beforeSend and integrations receive. */
export interface MonitorEvent {
  event_id: string;
  type: EventType;
  /** Milliseconds since the epoch. */
  timestamp: number;
  level?: Level;
  release?: string;
  environment?: string;
  user?: { id?: string; visitor_id?: string; session_id?: string; [key: string]: unknown };
  page?: { url?: string; referrer?: string; title?: string };
  browser?: { user_agent?: string; language?: string; viewport?: { w: number; h: number } };
  tags?: Record<string, string>;
  extra?: Record<string, unknown>;
  breadcrumbs?: Array<Required<Pick<Breadcrumb, 'timestamp' | 'category' | 'message' | 'level'>> & { data?: unknown }>;
  exception?: { values: ExceptionValue[] };
  /** `message` events. */
  message?: string;
  /** `custom` events: the name given to track(). */
  name?: string;
  /** `custom` events: the data given to track(). */
  data?: unknown;
  [key: string]: unknown;
}

/** What a JS integration's setup() receives. */
export interface Client {
  captureException(error: unknown): string | undefined;
  captureMessage(message: string, level?: Level): string | undefined;
  track(name: string, data?: unknown): string | undefined;
  addBreadcrumb(breadcrumb: Breadcrumb): void;
  setTag(key: string, value: string): void;
  setUser(user: User | null): void;
  setExtra(key: string, value: unknown): void;
  flush(timeout?: number): Promise<boolean>;
  getOptions(): Options;
}

/** A plugin. `processEvent` runs on every event before `beforeSend`; return null to drop. */
export interface Integration {
  name: string;
  setup?(client: Client): void;
  processEvent?(event: MonitorEvent): MonitorEvent | null;
}

export interface Options {
  /** `{scheme}://{public_key}@{host}[:{port}]/{project_id}`. A malformed DSN disables the SDK. */
  dsn: string;
  release?: string;
  environment?: string;
  /** Chance (0 to 1) that an error (error, message, resource_error, http_error) is kept. Default 1. */
  sampleRate?: number;
  /** Share (0 to 1) of sessions whose behaviour events are sent, decided per session. Default 1. */
  behaviourSampleRate?: number;
  /** Errors whose message matches (substring or RegExp) are not sent. */
  ignoreErrors?: Array<string | RegExp>;
  /** Only errors thrown from a matching URL are sent. */
  allowUrls?: Array<string | RegExp>;
  /** Errors thrown from a matching URL are not sent. */
  denyUrls?: Array<string | RegExp>;
  /** Send the user's email, username and IP address when set. Default false. */
  sendDefaultPii?: boolean;
  /** Words that make a URL parameter's value secret (replaced by [Filtered]). */
  scrubKeys?: string[];
  /** false: nothing is stored (no consent); visitor and session last one page load. Default true. */
  storage?: boolean;
  /** What is captured without code; false turns it all off. Each is on unless false. */
  autoCapture?: false | {
    pageViews?: boolean;
    clicks?: boolean;
    forms?: boolean;
    timeOnPage?: boolean;
    resourceErrors?: boolean;
    httpErrors?: boolean;
  };
  /** Statuses (inclusive) that make a failed call an http_error. Default [500, 599]. */
  httpErrorStatus?: [number, number];
  /** Automatic breadcrumbs; false turns them all off. `console`: levels, default ['warn', 'error']. */
  breadcrumbs?: false | {
    dom?: boolean;
    navigation?: boolean;
    http?: boolean;
    console?: false | Array<'debug' | 'info' | 'log' | 'warn' | 'error'>;
  };
  /** Breadcrumbs kept and sent with each event, at most 100. Default 100. */
  maxBreadcrumbs?: number;
  /** Last look at each event; return null to drop it. Must be synchronous. */
  beforeSend?: (event: MonitorEvent) => MonitorEvent | null;
  /** false turns the SDK off. Default true. */
  enabled?: boolean;
  /** Log what the SDK drops and why to the console. Default false. */
  debug?: boolean;
  /** Post to this first-party URL instead of the collector (`?key=..&project_id=..` is added). */
  tunnel?: string;
  /** Initial user. */
  user?: User;
  /** Initial tags. */
  tags?: Record<string, string>;
  /** JS integrations (plugins). */
  integrations?: Integration[];
  /** false switches off the built-in integrations (Dedupe). Default true. */
  defaultIntegrations?: boolean;
  /** Send once this many events are queued. Default 30. */
  maxBatchSize?: number;
  /** Send queued events at most this many ms after the first was queued. Default 5000. */
  flushInterval?: number;
  /** Events kept while the collector is unreachable. Default 500. */
  maxQueueSize?: number;
  /** Where to load the wasm from, if not next to this file. */
  wasmUrl?: string | URL;
  /** Web vitals and page-load timing, sent as `web_vital`, `navigation_timing` and
   * `resource_timing` events. false turns them all off. Default: all on, final values only. */
  webVitals?: false | WebVitalsOptions;
}

/** Each metric is on unless set to false. */
export interface WebVitalsOptions {
  /** Report every change of a metric, not only its final value. Default false. */
  reportAllChanges?: boolean;
  FCP?: boolean;
  LCP?: boolean;
  CLS?: boolean;
  INP?: boolean;
  TTFB?: boolean;
  /** First Paint. */
  FP?: boolean;
  /** Total Blocking Time: long tasks after FCP. */
  TBT?: boolean;
  /** The `navigation_timing` event (DNS, TCP, TLS, request, response, DOM milestones). */
  navigation?: boolean;
  /** The `resource_timing` summary sent when the page is first hidden. */
  resources?: boolean;
}

/** Starts the SDK. Resolves to true once it runs; never rejects. */
export function init(options: Options): Promise<boolean>;
/** Reports an error the app caught. Returns the event id once the SDK runs. */
export function captureException(error: unknown): string | undefined;
/** Reports a message. Returns the event id once the SDK runs. */
export function captureMessage(message: string, level?: Level): string | undefined;
/** Records a custom event. Returns the event id once the SDK runs. */
export function track(name: string, data?: unknown): string | undefined;
export function setUser(user: User | null): void;
export function setTag(key: string, value: string): void;
export function addBreadcrumb(breadcrumb: Breadcrumb): void;
/** Sets extra data (any JSON-serialisable value, up to 4 KB of JSON); undefined removes it. */
export function setExtra(key: string, value: unknown): void;
/** Sends everything queued; true when the queue is empty. Never rejects. */
export function flush(timeout?: number): Promise<boolean>;
/** Flushes, then stops the SDK. */
export function close(timeout?: number): Promise<boolean>;
export function isEnabled(): boolean;
