/**
 * The designer's multi-task heads in headless Chromium. The fake host here does what the
 * extension does with each message: validates it (parseDesignerMessage), turns it into recipe
 * changes (the same `set` / `setHead` paths and core's setHeadsChanges / singleHeadChanges),
 * applies them to the recipe text with jsonc-parser as editRecipe does, re-validates the text
 * (parseRecipeText) and sends the new state: each step's recipe JSON is the one the user would get.
 * The model is the real Teachable Machine summary of test/fixtures/webview (cut output [null, 1280]).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as jsonc from 'jsonc-parser';
import { parseCsvHeader, readCsvHeader } from '../../src/core/data/csvHeader';
import { parseDesignerMessage, type DesignerMessage, type DesignerState } from '../../src/core/protocol/designer';
import { insertionIndex, setHeadsChanges, singleHeadChanges } from '../../src/core/recipe/headsEdits';
import { TaskHeadSchema, type Recipe } from '../../src/core/recipe/schema';
import { parseRecipeText } from '../../src/core/recipe/validate';
import { newHead, renamed, retasked, toOneHead, toSeveralHeads } from '../../webview/designer/multitask';
import { closeShell, fixture, openShell, ROOT, type Shell } from './studioShell';

const TM = fixture<DesignerState>('designer-tm.json');
const EXAMPLE = fixture<DesignerState>('designer-multitask.json');
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const settle = (shell: Shell, ms: number): Promise<void> => shell.page.waitForTimeout(ms);
const COLUMNS = ['item', 'coverage', 'style', 'r', 'g', 'b'];

const MULTI = {
  $schema: '../schemas/adapt.schema.json',
  name: 'shop-multitask',
  model: './tm-image-nail-biting/model.json',
  freeze: { allButLast: 6 },
  head: [{ type: 'Dense', units: 128, activation: 'relu' }, { type: 'Dropout', rate: 0.3 }],
  heads: [
    { name: 'item', task: 'single-label', labels: ['bag', 'coat', 'dress'] },
    { name: 'coverage', task: 'multi-label', lossWeight: 0.5 },
    { name: 'colour', task: 'regression', column: ['r', 'g', 'b'] },
  ],
  data: { train: './shop/train.csv', validationSplit: 0.2 },
  training: { epochs: 12 },
};

/** The extension's side of the designer, on a recipe text. */
class FakeHost {
  text: string;
  constructor(private readonly shell: Shell, recipe: unknown, private readonly base: DesignerState) {
    this.text = `// a recipe with a comment: edits keep it\n${JSON.stringify(recipe, null, 2)}\n`;
  }

  get recipe(): Partial<Recipe> {
    return jsonc.parse(this.text) as Partial<Recipe>;
  }

  state(): DesignerState {
    const parsed = parseRecipeText(this.text);
    return { ...clone(this.base), recipe: this.recipe, problems: parsed.problems };
  }

  async send(): Promise<void> {
    await this.shell.send({ type: 'state', state: this.state() });
  }

  /** The webview said ready: the first state. */
  async start(): Promise<void> {
    assert.deepEqual(await this.shell.posted(), [{ type: 'ready', protocol: 1 }]);
    await this.shell.clearPosted();
    await this.send();
  }

  /** Handle what the webview posted since the last call, as the extension does, and send the new state. */
  async handle(): Promise<DesignerMessage[]> {
    const posted = await this.shell.posted();
    await this.shell.clearPosted();
    const handled: DesignerMessage[] = [];
    for (const raw of posted) {
      const m = parseDesignerMessage(raw);
      assert.ok(m, `the host accepts ${JSON.stringify(raw)}`);
      const changes = m.type === 'set' ? [{ path: m.path, value: m.value }]
        : m.type === 'setHead' ? [{ path: ['head'], value: m.head }]
        : m.type === 'setHeads' ? setHeadsChanges(this.recipe, m)
        : m.type === 'singleHead' ? singleHeadChanges(this.recipe, m)
        : [];
      for (const c of changes) this.text = jsonc.applyEdits(this.text, jsonc.modify(this.text, c.path, c.value, { formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' }, getInsertionIndex: insertionIndex(c.path) }));
      handled.push(m);
    }
    await this.send();
    return handled;
  }
}

describe('designer webview: several heads (multi-task)', function () {
  this.timeout(120_000);
  let shell: Shell;

  afterEach(async function () {
    if (!shell) return;
    await shell.close();
    assert.deepEqual(shell.errors, [], `page errors or CSP violations in "${this.currentTest?.title}"`);
  });
  after(closeShell);

  const base = (): DesignerState => {
    const s = clone(TM);
    s.csv = { columns: COLUMNS };
    // the dataset report of a multi-task CSV counts each head's classes
    s.dataset = { status: 'ok', report: { ...s.dataset.report!, heads: [{ name: 'coverage', task: 'multi-label', classes: ['arms', 'legs', 'torso', 'head'].map((label) => ({ label, train: 10, validation: 2, test: 0 })), labelled: { train: 40, validation: 8, test: 0 } }] } };
    return s;
  };

  it('draws the heads and edits them: rename, task, loss weight, a layer, add and remove a head', async () => {
    shell = await openShell('designer');
    const host = new FakeHost(shell, MULTI, base());
    assert.deepEqual(host.state().problems, [], 'the recipe is valid');
    await host.start();

    // the diagram: the base, the shared layers, one branch per head with its task and outputs
    const page = shell.page;
    assert.equal(await page.locator('#head-title').innerText(), 'Heads');
    assert.match(await page.locator('#heads-diagram-base').innerText(), /cut at sequential_1 → \[null,\s*1280\]/);
    assert.deepEqual(await page.locator('#heads-diagram-shared .mt-chip').allInnerTexts(), ['Dense 128 relu', 'Dropout 0.3']);
    assert.match(await page.locator('#heads-diagram-shared').innerText(), /→ \[null,\s*128\]/);
    const branch = (name: string) => page.locator(`#heads-diagram .mt-branch[data-head="${name}"]`);
    assert.equal(await page.locator('#heads-diagram .mt-branch').count(), 3);
    assert.match(await branch('item').innerText(), /item[\s\S]*single-label · softmax[\s\S]*→ 3 classes[\s\S]*column item[\s\S]*loss × 1/);
    assert.match(await branch('coverage').innerText(), /multi-label · sigmoid[\s\S]*→ 4 classes[\s\S]*loss × 0\.5/);
    assert.match(await branch('colour').innerText(), /regression · linear[\s\S]*→ 3 values[\s\S]*column r, g, b/);
    assert.match(await page.locator('#subtitle').innerText(), /3 heads \(item, coverage, colour\)/);
    // the data section: no task of its own, the CSV's columns named; training offers single-task, not scratch
    assert.ok(await page.locator('[data-path="/task"]').isHidden());
    assert.ok(await page.locator('#task-heads-note').isVisible());
    assert.match(await page.locator('[data-path="/data/train"]').innerText(), /item, coverage, style, r, g, b/);
    const baseline = page.locator('[data-path="/training/baseline"] vscode-single-select');
    await baseline.click();
    assert.ok(await baseline.getByText('single-task', { exact: true }).isVisible());
    assert.equal(await baseline.getByText('scratch', { exact: true }).count(), 0);
    assert.ok(await baseline.getByText('Default (single-task)', { exact: true }).count() > 0);
    await page.keyboard.press('Escape');
    await page.locator('#head').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await shell.screenshot('designer-multitask-dark', false);

    // rename "coverage" → "cover": it keeps reading its column
    const card = (i: number) => page.locator(`.task-head[data-index="${i}"]`);
    await card(1).locator('[data-path="/heads/1/name"] vscode-textfield input').fill('cover');
    await settle(shell, 450);
    assert.deepEqual((await host.handle()).map((m) => m.type), ['setHeads']);
    assert.deepEqual(host.recipe.heads![1], { name: 'cover', task: 'multi-label', lossWeight: 0.5, column: 'coverage' });
    assert.match(await branch('cover').innerText(), /column coverage/);
    // a name the schema refuses is explained, not sent
    await card(1).locator('[data-path="/heads/1/name"] vscode-textfield input').fill('item');
    await settle(shell, 450);
    assert.deepEqual(await shell.posted(), []);
    assert.match(await card(1).innerText(), /another head is named "item"/);
    await card(1).locator('[data-path="/heads/1/name"] vscode-textfield input').press('Escape');

    // the task of "item": multi-label
    const task = card(0).locator('[data-path="/heads/0/task"] vscode-single-select');
    await task.click();
    await task.getByText('multi-label', { exact: true }).click();
    await host.handle();
    assert.deepEqual(host.recipe.heads![0], { name: 'item', task: 'multi-label', labels: ['bag', 'coat', 'dress'] });
    assert.match(await branch('item').innerText(), /multi-label · sigmoid/);

    // the loss weight of "item"
    await card(0).locator('[data-path="/heads/0/lossWeight"] vscode-textfield input').fill('2');
    await settle(shell, 450);
    assert.deepEqual(await host.handle(), [{ type: 'set', path: ['heads', 0, 'lossWeight'], value: 2 }]);
    assert.match(await branch('item').innerText(), /loss × 2/);

    // a head without layers of its own: its output layer, sized from its labels, on the shared layers' 128
    assert.match(await card(0).locator('.head-input').innerText(), /shared layers → \[null,\s*128\]/);
    assert.match(await card(0).locator('.head-row').first().innerText(), /→ \[null,\s*3\] · 387 params/);
    // a layer of "cover"'s own: above its output layer
    assert.deepEqual(await card(1).locator('.head-row').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.type)), ['Dense']);
    await card(1).locator('#heads-1-add').click();
    await card(1).locator('#heads-1-add-menu').getByText('Dropout', { exact: true }).click();
    await host.handle();
    assert.deepEqual(host.recipe.heads![1]!.layers, [{ type: 'Dropout', rate: 0.5 }, { type: 'Dense' }]);
    assert.match(await branch('cover').innerText(), /2 own layers/);

    // add a head: the next CSV column no head reads ("style")
    await page.locator('#heads-add').click();
    await host.handle();
    assert.deepEqual(host.recipe.heads![3], { name: 'style', task: 'single-label' });
    assert.equal(await page.locator('#heads-diagram .mt-branch').count(), 4);
    // remove "colour"
    await card(2).locator('.remove-head').click();
    await host.handle();
    assert.deepEqual(await page.locator('#heads-diagram .mt-branch').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.head)), ['item', 'cover', 'style']);

    // the recipe as written: everything else untouched, the comment kept, valid
    const { heads: _heads, ...rest } = MULTI;
    assert.deepEqual(host.recipe, {
      ...rest,
      heads: [
        { name: 'item', task: 'multi-label', labels: ['bag', 'coat', 'dress'], lossWeight: 2 },
        { name: 'cover', task: 'multi-label', lossWeight: 0.5, column: 'coverage', layers: [{ type: 'Dropout', rate: 0.5 }, { type: 'Dense' }] },
        { name: 'style', task: 'single-label' },
      ],
    });
    assert.match(host.text, /^\/\/ a recipe with a comment/);
    assert.deepEqual(host.state().problems, []);
  });

  it('Several Heads turns one head into two and Back to One Head returns it; the recipe\'s problems show at the heads', async () => {
    shell = await openShell('designer', { theme: 'light' });
    // a one-head recipe on a CSV (a multi-task recipe's test data is a CSV too: none here)
    const { test: _test, ...data } = TM.recipe!.data!;
    const one = { ...clone(TM.recipe!), data: { ...data, train: './shop/train.csv' } };
    const host = new FakeHost(shell, one, base());
    await host.start();
    const page = shell.page;
    assert.equal(await page.locator('#head-title').innerText(), 'Head');
    await page.locator('#heads-split').click();
    const [split] = await host.handle();
    assert.equal(split!.type, 'setHeads');
    // the task moves into the first head (reading the CSV's first label column), the layers below
    // the output layer are shared, the from-scratch baseline goes (single-task is the default now)
    const { task: _task, head: oneHeadLayers, training, ...same } = one;
    const { baseline: _baseline, ...trainingRest } = training!;
    assert.deepEqual(host.recipe, {
      ...same,
      head: oneHeadLayers!.slice(0, 3),
      heads: [{ name: 'item', task: 'single-label' }, { name: 'coverage', task: 'single-label' }],
      training: trainingRest,
    });
    assert.deepEqual(Object.keys(host.recipe).slice(0, 6), ['$schema', 'name', 'model', 'freeze', 'head', 'heads'], '"heads" is written after "head"');
    assert.deepEqual(host.state().problems, []);
    assert.equal(await page.locator('#head-title').innerText(), 'Heads');
    assert.equal(await page.locator('#heads-diagram .mt-branch').count(), 2);
    assert.ok(await page.locator('#heads-merge').isHidden(), 'two heads: no way back yet');
    const removeDisabled = (i: number): Promise<boolean> => page.locator(`.task-head[data-index="${i}"] .remove-head`).evaluate((el) => (el as HTMLButtonElement).disabled);
    assert.equal(await removeDisabled(0), false);

    // a problem of a head shows on its field and counts in the navigation
    const bad = host.state();
    bad.problems = [{ path: '/heads/1/name', message: 'two heads are named "item": each head\'s outputs and metrics go by its name' }];
    await shell.send({ type: 'state', state: bad });
    assert.match(await page.locator('.task-head[data-index="1"] [data-path="/heads/1/name"]').innerText(), /two heads are named/);
    assert.equal(await page.locator('.nav-link[data-section="head"] .nav-count').innerText(), '1');
    await host.send();

    // remove the second: one head is left, the way back shows; the last head cannot be removed
    await page.locator('.task-head[data-index="1"] .remove-head').click();
    await host.handle();
    assert.ok(await page.locator('#heads-merge').isVisible());
    assert.equal(await removeDisabled(0), true, 'the last head stays');
    await page.locator('#heads-merge').click();
    const [merge] = await host.handle();
    assert.equal(merge!.type, 'singleHead');
    // the same head as before, the task at the top again
    assert.deepEqual(host.recipe.head, oneHeadLayers);
    assert.equal(host.recipe.task, 'single-label');
    assert.equal(host.recipe.heads, undefined);
    assert.deepEqual(host.state().problems, []);
    assert.equal(await page.locator('#head-title').innerText(), 'Head');
    assert.equal(await page.locator('#head-list .head-row').count(), 4);
    assert.ok(await page.locator('#heads-split').isVisible());
  });

  it('the worked example (examples/fashion-multitask.adapt.json, the engine\'s state): three branches sized from the dataset, its counts per head', async () => {
    shell = await openShell('designer');
    // the fixture's recipe is the example's, its CSV header read by the host's reader, its dataset report the worker's
    const example = jsonc.parse(fs.readFileSync(path.join(ROOT, 'examples', 'fashion-multitask.adapt.json'), 'utf8')) as Recipe;
    assert.deepEqual(EXAMPLE.recipe, example);
    assert.deepEqual(EXAMPLE.csv, await readCsvHeader(path.join(ROOT, 'examples', example.data!.train)));
    const host = new FakeHost(shell, example, EXAMPLE);
    assert.deepEqual(host.state().problems, []);
    await host.start();
    const page = shell.page;
    assert.deepEqual(await page.locator('#heads-diagram .mt-branch').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.head)), ['item', 'group', 'coverage']);
    assert.match(await page.locator('#heads-diagram-shared').innerText(), /Shared layers\s*default[\s\S]*Dense 128 relu[\s\S]*Dropout 0\.5[\s\S]*→ \[null,\s*128\]/);
    assert.match(await page.locator('#heads-diagram .mt-branch[data-head="item"]').innerText(), /single-label · softmax[\s\S]*→ 10 classes/);
    assert.match(await page.locator('#heads-diagram .mt-branch[data-head="group"]').innerText(), /→ 4 classes/);
    assert.match(await page.locator('#heads-diagram .mt-branch[data-head="coverage"]').innerText(), /regression · linear[\s\S]*→ 1 value\b/);
    assert.match(await page.locator('#shared-default').innerText(), /default shared layers/);
    // the parameters: 1280 → Dense 128 shared, then 10 + 4 + 1 outputs on it
    const head = 1280 * 128 + 128 + (128 * 10 + 10) + (128 * 4 + 4) + (128 + 1);
    assert.match(await page.locator('#totals').innerText(), new RegExp(`incl\\. new heads ${head.toLocaleString('en-US')}`));
    // the dataset report: a table per classification head, the labelled images of each
    const report = page.locator('#dataset-report');
    assert.match(await report.locator('.report-summary').innerText(), /180 images · 100 train · 20 validation · 60 test · 3 heads/);
    assert.equal(await report.locator('.report-head[data-head="item"] tbody tr').count(), 10);
    assert.equal(await report.locator('.report-head[data-head="group"] tbody tr').count(), 4);
    assert.match(await report.locator('.report-head[data-head="coverage"]').innerText(), /regression · labelled 100 train · 20 validation · 60 test/);
    assert.equal(await report.locator('.report-examples img.thumb').count(), EXAMPLE.dataset.thumbnails!.all!.length);
    await page.locator('#head').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await shell.screenshot('designer-multitask-example-dark', false);
    // every column has its head: a new one is head4, on no column yet (its problem comes with the data)
    await page.locator('#heads-add').click();
    await host.handle();
    assert.deepEqual(host.recipe.heads![3], { name: 'head4', task: 'single-label' });
  });

  it('without a CSV header the columns are typed; a regression head reads several', async () => {
    shell = await openShell('designer');
    const s = base();
    s.csv = { columns: [], error: 'the training CSV has no header row: its first line lists an image (several heads need one naming the columns: path,COLUMN,…)' };
    const host = new FakeHost(shell, MULTI, s);
    await host.start();
    const column = shell.page.locator('.task-head[data-index="2"] [data-path="/heads/2/column"]');
    assert.equal(await column.locator('vscode-textfield').evaluate((el) => (el as HTMLInputElement).value), 'r, g, b');
    assert.match(await column.innerText(), /no header row/);
    await column.locator('vscode-textfield input').fill('r, g');
    await settle(shell, 450);
    await host.handle();
    assert.deepEqual(host.recipe.heads![2], { name: 'colour', task: 'regression', column: ['r', 'g'] });
    assert.match(await shell.page.locator('#heads-diagram .mt-branch[data-head="colour"]').innerText(), /→ 2 values/);
    // a classification head reads one column: two are explained, not sent
    await shell.page.locator('.task-head[data-index="0"] [data-path="/heads/0/column"] vscode-textfield input').fill('item, style');
    await settle(shell, 450);
    assert.deepEqual(await shell.posted(), []);
    assert.match(await shell.page.locator('.task-head[data-index="0"]').innerText(), /reads one column/);
  });
});

describe('designer webview: what it shares with the host (multi-task)', () => {
  it('the host accepts setHeads and singleHead only as the recipe schema has heads and layers', () => {
    const ok = (m: unknown): boolean => parseDesignerMessage(m) !== undefined;
    assert.ok(ok({ type: 'setHeads', heads: MULTI.heads }));
    assert.ok(ok({ type: 'setHeads', heads: MULTI.heads, head: null }));
    assert.ok(ok({ type: 'setHeads', heads: MULTI.heads, head: [{ type: 'Dense', units: 8 }] }));
    assert.ok(!ok({ type: 'setHeads', heads: [] }), 'at least one head');
    assert.ok(!ok({ type: 'setHeads', heads: Array.from({ length: 17 }, (_, i) => ({ name: `h${i}`, task: 'regression' })) }), 'at most 16');
    assert.ok(!ok({ type: 'setHeads', heads: [{ name: '1st', task: 'single-label' }] }), 'a name starts with a letter');
    assert.ok(!ok({ type: 'setHeads', heads: [{ name: 'a', task: 'detection' }] }), 'detection is no head task');
    assert.ok(!ok({ type: 'setHeads', heads: [{ name: 'a', task: 'regression', extra: 1 }] }), 'no unknown fields');
    assert.ok(!ok({ type: 'setHeads', heads: MULTI.heads, head: [] }), 'shared layers: at least one, or null');
    assert.ok(!ok({ type: 'setHeads', heads: MULTI.heads, head: [{ type: 'Dropout', rate: 2 }] }));
    assert.ok(ok({ type: 'singleHead', task: 'regression', head: null }));
    assert.ok(ok({ type: 'singleHead', task: 'single-label', head: [{ type: 'Dense' }], labels: ['a', 'b'] }));
    assert.ok(!ok({ type: 'singleHead', task: 'detection', head: null }));
    assert.ok(!ok({ type: 'singleHead', task: 'single-label', head: null, labels: [''] }));
  });

  it('the changes around the heads: what a multi-task recipe refuses goes, and comes back', () => {
    const r = { task: 'single-label' as const, data: { train: 'a.csv', labels: ['x', 'y'] }, training: { baseline: 'scratch' as const } };
    assert.deepEqual(setHeadsChanges(r, { heads: [{ name: 'a', task: 'single-label' }], head: null }), [
      { path: ['head'], value: undefined }, { path: ['heads'], value: [{ name: 'a', task: 'single-label' }] }, { path: ['task'], value: undefined }, { path: ['data', 'labels'], value: undefined }, { path: ['training', 'baseline'], value: undefined },
    ]);
    assert.deepEqual(setHeadsChanges({ training: { baseline: 'none' } }, { heads: [{ name: 'a', task: 'regression' }] }), [{ path: ['heads'], value: [{ name: 'a', task: 'regression' }] }]);
    assert.deepEqual(singleHeadChanges({ training: { baseline: 'single-task' } }, { task: 'multi-label', head: null, labels: ['x'] }), [
      { path: ['heads'], value: undefined }, { path: ['head'], value: undefined }, { path: ['task'], value: 'multi-label' }, { path: ['data', 'labels'], value: ['x'] }, { path: ['training', 'baseline'], value: undefined },
    ]);
  });

  it('new, renamed and re-tasked heads stay valid; one head round-trips through several', () => {
    const s = { ...clone(TM), csv: { columns: COLUMNS } };
    const split = toSeveralHeads(s);
    for (const x of split.heads) assert.ok(TaskHeadSchema.safeParse(x).success, JSON.stringify(x));
    assert.deepEqual(newHead([{ name: 'item', task: 'single-label' }], ['item', 'sleeve length (cm)']), { name: 'sleeve_length_cm', task: 'single-label', column: 'sleeve length (cm)' });
    assert.deepEqual(newHead([{ name: 'head2', task: 'single-label' }], undefined), { name: 'head3', task: 'single-label' });
    assert.deepEqual(renamed({ name: 'item', task: 'single-label' }, 'style', COLUMNS), { name: 'style', task: 'single-label' }, 'the new name is a column: it reads that one');
    assert.deepEqual(renamed({ name: 'item', task: 'single-label' }, 'kind', undefined), { name: 'kind', task: 'single-label', column: 'item' }, 'no header known: the column stays');
    assert.deepEqual(renamed({ name: 'kind', task: 'single-label', column: 'item' }, 'item', COLUMNS), { name: 'item', task: 'single-label' });
    assert.deepEqual(retasked({ name: 'colour', task: 'regression', column: ['r', 'g'] }, 'single-label'), { name: 'colour', task: 'single-label', column: 'r' });
    assert.deepEqual(retasked({ name: 'item', task: 'single-label', labels: ['a', 'b'] }, 'regression'), { name: 'item', task: 'regression' });
    // split and back: the same head and task
    const multi = { ...s, recipe: { ...s.recipe!, task: undefined, head: split.head ?? undefined, heads: split.heads.slice(0, 1) } };
    const back = toOneHead(multi, [1280]);
    assert.deepEqual(back, { type: 'singleHead', task: 'single-label', head: TM.recipe!.head });
    // without "head", the default shared layers are written out: the model stays the same
    assert.deepEqual(toOneHead({ ...multi, recipe: { ...multi.recipe, head: undefined } }, [1280])!.head, [
      { type: 'Dense', units: 128, activation: 'relu', name: 'shared_dense' }, { type: 'Dropout', rate: 0.5, name: 'shared_dropout' }, { type: 'Dense' },
    ]);
  });

  it('reads a CSV header the way the multi-task reader does: BOM, comments, TSV; no header when the first cell is an image', () => {
    assert.deepEqual(parseCsvHeader('\ufeff# shop\n\npath,item,coverage\nimg/1.png,bag,arms\n'), { columns: ['item', 'coverage'] });
    assert.deepEqual(parseCsvHeader('file\titem\t"r, g"\n', '\t'), { columns: ['item', 'r, g'] });
    assert.match(parseCsvHeader('img/1.png,bag\n').error!, /no header row/);
    assert.match(parseCsvHeader('').error!, /empty/);
    assert.match(parseCsvHeader('path\n').error!, /names no column/);
    assert.match(parseCsvHeader('photo,item\n').error!, /must name the image path first \(path, file, image…\), not "photo"/);
    assert.deepEqual(parseCsvHeader('path,a,b\nimg/1.png,x,y\nimg/2.pn', ',', true), { columns: ['a', 'b'] });
  });
});
