// The checks' tally, shared by the runners: every check prints `ok` or `FAIL`, and
// `finish()` prints the closing `N passed, M failed` line run.sh counts and exits non-zero
// when anything failed.

let passed = 0;
let failed = 0;
const failures = [];

export function check(name, cond, detail) {
  if (cond) {
    passed += 1;
    console.log(`ok   ${name}`);
  } else {
    failed += 1;
    failures.push(name);
    const extra = detail === undefined ? '' : ` :: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`;
    console.log(`FAIL ${name}${extra}`);
  }
  return cond;
}

export function eq(name, actual, expected) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  return check(name, a === e, `got ${a}, want ${e}`);
}

export function finish() {
  if (failures.length) console.log(`# failed: ${failures.join(' | ')}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}
