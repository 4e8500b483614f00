// An app file the allowUrls test leaves out (capture.test.mjs).
export function throwElsewhere() {
  throw new Error('thrown from a file outside allowUrls');
}
