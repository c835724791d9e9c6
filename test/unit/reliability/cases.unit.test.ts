/** The reliability suite's case list (scripts/reliability): enough cases, each named once, across every group. */
import * as assert from 'node:assert/strict';
import { CASES } from '../../../scripts/reliability/cases';

describe('reliability suite: case list', () => {
  it('has at least 30 cases with unique names, in every group', () => {
    assert.ok(CASES.length >= 30, `only ${CASES.length} cases`);
    const names = CASES.map((c) => c.name);
    assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), [], 'duplicate case names');
    for (const g of ['models', 'recipes', 'data', 'faults', 'scale'] as const) assert.ok(CASES.some((c) => c.group === g), `no ${g} case`);
  });

  it('runs at least 30 cases without --full (what CI runs)', () => {
    assert.ok(CASES.filter((c) => !c.full).length >= 30);
  });

  it('every case says what it does and expects an exit code and a message', () => {
    for (const c of CASES) {
      assert.ok(c.what.length > 10, `${c.name}: no description`);
      assert.ok(c.expect.message instanceof RegExp, `${c.name}: no message pattern`);
      assert.ok(Array.isArray(c.expect.code) ? c.expect.code.length > 0 : Number.isInteger(c.expect.code), `${c.name}: no exit code`);
    }
  });
});
