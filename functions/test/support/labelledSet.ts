import worldCountries from 'world-countries';
import { FactsGenerator } from '../../src/questions/facts/factsGenerator';
import { seededRandom } from '../../src/questions/facts/random';
import { poolParamsSchema } from '../../src/questions/poolParams';

// A labelled set of items for the item-writing-flaw linter, the verifier and the bench: questions the
// facts generator wrote (right by construction), most with one flaw injected and named in `label`.
// test/fixtures/labelled-items.json is this function's output (labelledSet.test.ts checks they agree);
// rebuild it after a change here with
//   npx esbuild test/support/labelledSet.ts --bundle --platform=node --outfile=/tmp/labelledSet.cjs &&
//   node -e "require('/tmp/labelledSet.cjs').buildLabelledSet().then((i) => console.log(JSON.stringify(i, null, 1)))" > test/fixtures/labelled-items.json

export const FLAW_LABELS = [
  'wrong-key', 'ambiguous', 'time-sensitive', 'answer-in-stem', 'negative-stem', 'all-of-the-above',
  'none-of-the-above', 'mixed-kinds', 'longest-key', 'overlapping-ranges',
] as const;
export type ItemLabel = 'good' | (typeof FLAW_LABELS)[number];

export type LabelledItem = {
  id: string;
  lang: 'en' | 'fr' | 'es';
  type: 'mcq' | 'true_false';
  prompt: string;
  choices: string[];
  /** The key as written (wrong for a wrong-key item). */
  answerIndex: number;
  /** Every choice a careful expert would accept: one for a sound item, several for an ambiguous one. */
  correct: number[];
  label: ItemLabel;
  timeSensitive?: boolean;
};

const WORDS = {
  en: { all: 'All of the above', none: 'None of the above', not: (p: string) => `Which of these is NOT the right answer? ${p}`, today: (p: string) => `As of today, ${lower(p)}`, detail: ' (as most atlases list it)', area: (c: string) => `What is the area of ${c} in square kilometres?` },
  fr: { all: 'Toutes les réponses ci-dessus', none: 'Aucune des réponses ci-dessus', not: (p: string) => `Laquelle de ces réponses n'est PAS la bonne ? ${p}`, today: (p: string) => `À ce jour, ${lower(p)}`, detail: ' (selon la plupart des atlas)', area: (c: string) => `Quelle est la superficie de ce pays en kilomètres carrés : ${c} ?` },
  es: { all: 'Todas las anteriores', none: 'Ninguna de las anteriores', not: (p: string) => `¿Cuál de estas NO es la respuesta correcta? ${p}`, today: (p: string) => `A día de hoy, ${lower(p)}`, detail: ' (según la mayoría de los atlas)', area: (c: string) => `¿Cuál es la superficie de ${c} en kilómetros cuadrados?` },
};

function lower(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** Eight sound items in twenty, then one of each flaw (the rest of the cycle). */
const MCQ_CYCLE: ItemLabel[] = ['good', 'wrong-key', 'good', 'ambiguous', 'good', 'time-sensitive', 'good', 'answer-in-stem', 'good', 'negative-stem', 'good', 'all-of-the-above', 'good', 'none-of-the-above', 'good', 'mixed-kinds', 'longest-key', 'good', 'wrong-key', 'ambiguous'];

function rangeLabel(from: number, to: number): string {
  return `${from.toLocaleString('en-US')}–${to.toLocaleString('en-US')}`;
}

export async function buildLabelledSet(): Promise<LabelledItem[]> {
  const facts = new FactsGenerator();
  const items: LabelledItem[] = [];
  const pick = seededRandom('labelled-set');
  const seen = new Set<string>();
  const langs = ['en', 'fr', 'es'] as const;
  for (const lang of langs) {
    for (const [theme, count] of [['world', 70], ['currencies', 25], ['continents', 10]] as const) {
      const params = poolParamsSchema.parse({ lang, country: 'US', level: 'medium', subject: 'geography', theme, type: 'mcq' });
      const batch = await facts.generate({ params, count, excludeIds: new Set() });
      for (const question of batch.questions) {
        // One item per question: themes overlap (world holds currencies), and a set must not repeat itself.
        if (seen.has(question.prompt.toLowerCase())) continue;
        seen.add(question.prompt.toLowerCase());
        const label = MCQ_CYCLE[items.length % MCQ_CYCLE.length]!;
        const t = question.answerIndex;
        const others = [0, 1, 2, 3].filter((i) => i !== t);
        const other = others[Math.floor(pick() * others.length)]!;
        const item: LabelledItem = { id: `L${items.length + 1}`, lang, type: 'mcq', prompt: question.prompt, choices: [...question.choices], answerIndex: t, correct: [t], label };
        const words = WORDS[lang];
        switch (label) {
          case 'wrong-key': item.answerIndex = other; break;
          case 'ambiguous': item.correct = [t, other].sort(); break;
          case 'time-sensitive': item.prompt = words.today(item.prompt); item.timeSensitive = true; break;
          case 'answer-in-stem': item.prompt = `${item.prompt.replace(/\s*[?？]\s*$/, '')} (${question.choices[t]})?`; break;
          case 'negative-stem': item.prompt = words.not(item.prompt); item.answerIndex = other; item.correct = others; break;
          case 'all-of-the-above': item.choices[other] = words.all; break;
          case 'none-of-the-above': item.choices[other] = words.none; break;
          case 'mixed-kinds': item.choices[other] = String(1900 + Math.floor(pick() * 120)); break;
          case 'longest-key': {
            const longest = Math.max(...item.choices.map((c) => c.length));
            item.choices[t] = `${item.choices[t]}${words.detail}`.padEnd(longest + 2, '.');
            break;
          }
          default: break;
        }
        items.push(item);
      }
    }
    // True/false statements: the facts generator balances true and false; a few keys flipped.
    const tfParams = poolParamsSchema.parse({ lang, country: 'US', level: 'medium', subject: 'geography', theme: 'world', type: 'true_false' });
    const tf = await facts.generate({ params: tfParams, count: 16, excludeIds: new Set() });
    for (const [i, question] of tf.questions.filter((q) => !seen.has(q.prompt.toLowerCase())).entries()) {
      const label: ItemLabel = i % 4 === 3 ? 'wrong-key' : 'good';
      const t = question.answerIndex;
      items.push({ id: `L${items.length + 1}`, lang, type: 'true_false', prompt: question.prompt, choices: [...question.choices], answerIndex: label === 'wrong-key' ? 1 - t : t, correct: [t], label });
    }
    // Numeric ranges (areas): sound items have disjoint ranges; flawed ones overlap the key's range.
    const names = new Intl.DisplayNames([lang], { type: 'region', fallback: 'none' });
    const countries = worldCountries.filter((c) => c.unMember && c.area > 10_000).slice(0, 200);
    for (let i = 0; i < 14; i++) {
      const country = countries[Math.floor(pick() * countries.length)]!;
      const name = names.of(country.cca2);
      if (!name || seen.has(WORDS[lang].area(name).toLowerCase())) continue;
      seen.add(WORDS[lang].area(name).toLowerCase());
      const unit = 10 ** Math.max(3, Math.floor(Math.log10(country.area)) - 1) * 5;
      const low = Math.floor(country.area / unit) * unit;
      const label: ItemLabel = i % 2 === 0 ? 'good' : 'overlapping-ranges';
      const starts = [low, low + unit, low + 2 * unit, low + 3 * unit];
      const ranges = starts.map((s) => rangeLabel(s, s + unit - 1));
      if (label === 'overlapping-ranges') ranges[1] = rangeLabel(low + unit / 2, low + unit + unit / 2);
      // The key's position rotates: sound items must not lean to a position either.
      const shift = i % 4;
      const choices = [...ranges.slice(4 - shift), ...ranges.slice(0, 4 - shift)];
      const t = shift % 4;
      items.push({ id: `L${items.length + 1}`, lang, type: 'mcq', prompt: WORDS[lang].area(name), choices, answerIndex: t, correct: label === 'overlapping-ranges' && country.area >= low + unit / 2 ? [t, (t + 1) % 4] : [t], label });
    }
  }
  return items;
}
