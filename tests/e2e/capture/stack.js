// Throws from known places, for the stack-frame checks (firefox.test.mjs).
export function outerCall() {
  return innerCall();
}

function innerCall() {
  throw new Error('thrown in firefox');
}
