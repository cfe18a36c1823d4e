import { startFakeOpenAI } from '../../scripts/lib/fakeOpenAI.cjs';
import fixture from './fixtures/labelled-items.json';
import type { LabelledItem } from './support/labelledSet';
import { itemsText, readVerdicts } from '../src/questions/openai/verifier';

// The fake model's realistic faults (issue 17 §7): what tests and the bench rely on it to do.

let server: { url: string; close(): Promise<void> };
let base: string;
beforeAll(async () => {
  server = await startFakeOpenAI();
  base = server.url.replace(/\/v1$/, '');
});
afterAll(() => server.close());

const control = (path: string, body: unknown) => fetch(`${base}/_control/${path}`, { method: 'POST', body: JSON.stringify(body) });

async function complete(body: Record<string, unknown>): Promise<any> {
  const response = await fetch(`${server.url}/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: JSON.stringify({ model: 'fake', ...body }) });
  return JSON.parse((await response.json()).choices[0].message.content);
}

type Written = { prompt: string; choices: string[]; answerIndex: number };
async function write(theme: string, calls: number, type = 'mcq'): Promise<Written[]> {
  const out: Written[] = [];
  for (let i = 0; i < calls; i++) {
    const data = { count: 50, language: 'English (en)', audienceCountry: 'US', difficulty: 'medium', subject: 'music', theme, type };
    out.push(...(await complete({ messages: [{ role: 'system', content: 's' }, { role: 'user', content: `DATA = ${JSON.stringify(data)}` }] })).questions);
  }
  return out;
}

type Verdict = { id: number; answer: number; defect: string };
async function verify(theme: string, items: Array<{ prompt: string; choices: string[] }>): Promise<Verdict[]> {
  const messages = [{ role: 'system', content: 'v' }, { role: 'user', content: `DATA = ${JSON.stringify({ theme })}` }, { role: 'user', content: `ITEMS\n${itemsText(items)}` }];
  return readVerdicts(JSON.stringify(await complete({ messages, response_format: { type: 'json_schema', json_schema: { name: 'quiz_verdicts', strict: true, schema: {} } } })));
}

describe('fake model faults', () => {
  test('wrong keys, ambiguous items, position and longest-key bias in the configured shares', async () => {
    const theme = 'faulty model';
    await control('quality', { theme, wrongKey: 0.05, ambiguous: 0.05, positionBias: [4, 2, 1, 1], longestKey: 0.6 });
    const written = await write(theme, 20); // 1,000 questions
    const truths = (await (await fetch(`${base}/_control/truths?theme=${encodeURIComponent(theme)}`)).json()).truths as Array<{ prompt: string; correct: string[]; keyText: string; flaw: string }>;
    expect(truths).toHaveLength(1000);
    const share = (flaw: string) => truths.filter((t) => t.flaw === flaw).length / truths.length;
    expect(share('wrong-key')).toBeGreaterThan(0.035);
    expect(share('wrong-key')).toBeLessThan(0.065);
    expect(share('ambiguous')).toBeGreaterThan(0.035);
    expect(share('ambiguous')).toBeLessThan(0.065);
    // Truth agrees with flaw: a wrong key is never among the correct choices, an ambiguous item has two.
    for (const t of truths) {
      expect(t.correct.includes(t.keyText)).toBe(t.flaw !== 'wrong-key');
      expect(t.correct.length).toBe(t.flaw === 'ambiguous' ? 2 : 1);
    }
    const positions = [0, 0, 0, 0];
    for (const q of written) positions[q.answerIndex]! += 1;
    expect(positions[0]! / 1000).toBeGreaterThan(0.4); // weight 4 of 8, less the wrong keys moved away
    const onlyLongest = written.filter((q) => {
      const lengths = q.choices.map((c) => c.length);
      return lengths[q.answerIndex] === Math.max(...lengths) && lengths.filter((l) => l === Math.max(...lengths)).length === 1;
    }).length / written.length;
    expect(onlyLongest).toBeGreaterThan(0.55);
  });

  test('without a quality setting a model writes as before: key at n mod 4, sound items', async () => {
    const written = await write('plain model', 1);
    expect(written[0]!.choices).toEqual(['Alpha 1', 'Bravo 1', 'Charlie 1', 'Delta 1']);
    expect(written.map((q) => q.answerIndex).slice(0, 4)).toEqual([1, 2, 3, 0]);
  });

  test('verification calls answer blind from the truth with the configured accuracy, independent per order', async () => {
    const theme = 'verified model';
    await control('quality', { theme, wrongKey: 0.1, ambiguous: 0.1 });
    const written = await write(theme, 20);
    const truths = new Map(((await (await fetch(`${base}/_control/truths?theme=${encodeURIComponent(theme)}`)).json()).truths as Array<{ prompt: string; correct: string[]; flaw: string }>).map((t) => [t.prompt, t]));
    for (const accuracy of [1, 0.9]) {
      await control('verifier', { accuracy });
      let right = 0;
      let ambiguousCaught = 0;
      let ambiguous = 0;
      for (let i = 0; i < written.length; i += 25) {
        // Shown reversed: the verdict names a position in the order shown, not the stored one.
        const batch = written.slice(i, i + 25).map((q) => ({ prompt: q.prompt, choices: [...q.choices].reverse() }));
        const verdicts = await verify(theme, batch);
        expect(verdicts).toHaveLength(batch.length);
        for (const [j, verdict] of verdicts.entries()) {
          const truth = truths.get(batch[j]!.prompt.toLowerCase())!;
          expect(verdict.id).toBe(j);
          if (truth.correct.includes(batch[j]!.choices[verdict.answer]!)) right += 1;
          if (truth.flaw === 'ambiguous') {
            ambiguous += 1;
            if (verdict.defect === 'ambiguous') ambiguousCaught += 1;
          }
        }
      }
      if (accuracy === 1) {
        expect(right).toBe(1000);
        expect(ambiguousCaught).toBe(ambiguous);
      } else {
        expect(right / 1000).toBeGreaterThan(0.87);
        expect(right / 1000).toBeLessThan(0.93);
      }
    }
    await control('verifier', { accuracy: 1 });
  });

  test('labelled items taught to the fake are verified against their labels', async () => {
    const items = fixture as LabelledItem[];
    await control('truths', { items });
    const verdicts = await verify('labelled', items);
    for (const [i, item] of items.entries()) {
      const verdict = verdicts[i]!;
      expect(item.correct).toContain(verdict.answer);
      expect(verdict.defect).toBe(item.timeSensitive ? 'time-sensitive' : item.correct.length > 1 ? 'ambiguous' : 'none');
    }
    // An item it was never taught is unverifiable, never silently right.
    expect((await verify('labelled', [{ prompt: 'Who won a match nobody played?', choices: ['A', 'B'] }]))[0]).toMatchObject({ defect: 'unverifiable' });
  });

  test('verification calls are counted apart from generation calls, and faults queue under verify:<theme>', async () => {
    const theme = 'counted model';
    await write(theme, 1);
    await fetch(`${base}/_control/faults`, { method: 'POST', body: JSON.stringify({ theme: `verify:${theme}`, faults: [{ kind: 'status', status: 503 }] }) });
    const response = await fetch(`${server.url}/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer k' }, body: JSON.stringify({ model: 'f', messages: [{ role: 'user', content: `DATA = ${JSON.stringify({ theme })}` }, { role: 'user', content: 'ITEMS\n' }], response_format: { json_schema: { name: 'quiz_verdicts' } } }) });
    expect(response.status).toBe(503);
    const counts = await (await fetch(`${base}/_control/calls?theme=${encodeURIComponent(theme)}`)).json();
    expect(counts).toMatchObject({ calls: 1, verifications: 1 });
  });
});
