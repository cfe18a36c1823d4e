import type { PoolParams } from '../poolParams';
import type { GenerateInput, GeneratedBatch, QuestionGenerator, Support } from '../generator';
import { normalizeQuestionText, questionIdOf, type Question } from '../question';
import { CONTINENT_REGION_CODES, COUNTRY_FACTS, TRANSCONTINENTAL_COUNTRIES, type CountryFact } from './countries';
import { seededRandom, shuffled } from './random';
import { FACTS_LANGUAGES, TEMPLATES, THEME_FAMILIES, TRUE_FALSE, type FactsLanguage, type Family } from './templates';

export const FACTS_MODEL = 'facts-v1';
const CHOICES = 4;

type Candidate = { family: Family; country: CountryFact };

function familiesFor(params: PoolParams): Family[] {
  const wanted = THEME_FAMILIES[params.theme];
  const available = Object.keys(TEMPLATES[params.lang as FactsLanguage] ?? {}) as Family[];
  if (wanted === undefined) return [];
  return wanted === 'all' ? available : wanted.filter((family) => available.includes(family));
}

function answerOf(family: Family, country: CountryFact): string | undefined {
  switch (family) {
    case 'capital': return country.capital;
    case 'flag': return country.code;
    case 'currency': return country.currency;
    case 'continent': return TRANSCONTINENTAL_COUNTRIES.has(country.code) ? undefined : country.continent;
  }
}

/**
 * Distractors from the same data: hard draws from the same subregion, medium from the same
 * continent, easy from anywhere; each level falls back to wider circles when a circle is too small.
 */
function distractors(family: Family, country: CountryFact, level: PoolParams['level'], random: () => number): string[] | undefined {
  const correct = answerOf(family, country)!;
  if (family === 'continent') {
    const others = (Object.keys(CONTINENT_REGION_CODES) as CountryFact['continent'][]).filter((c) => c !== correct);
    return shuffled(others, random).slice(0, CHOICES - 1);
  }
  const circles: Array<(other: CountryFact) => boolean> = [];
  if (level === 'hard') circles.push((other) => other.subregion === country.subregion);
  if (level !== 'easy') circles.push((other) => other.continent === country.continent);
  circles.push(() => true);
  const picked: string[] = [];
  for (const inCircle of circles) {
    const pool = shuffled(COUNTRY_FACTS.filter(inCircle), random);
    for (const other of pool) {
      const value = answerOf(family, other);
      if (value === undefined || value === correct || picked.includes(value)) continue;
      picked.push(value);
      if (picked.length === CHOICES - 1) return picked;
    }
  }
  return undefined;
}

class Localizer {
  private readonly regions: Intl.DisplayNames;
  private readonly currencies: Intl.DisplayNames;
  constructor(readonly lang: FactsLanguage) {
    this.regions = new Intl.DisplayNames([lang], { type: 'region', fallback: 'none' });
    this.currencies = new Intl.DisplayNames([lang], { type: 'currency', fallback: 'none' });
  }
  country(code: string): string | undefined {
    return this.regions.of(code);
  }
  continent(continent: CountryFact['continent']): string | undefined {
    return this.regions.of(CONTINENT_REGION_CODES[continent]);
  }
  currency(code: string): string | undefined {
    if (!/^[A-Z]{3}$/.test(code)) return undefined;
    const name = this.currencies.of(code);
    // CLDR dates withdrawn currencies, "Sierra Leonean Leone (1964—2022)": not today's answer.
    return name && name !== code && !/\d{4}/.test(name) ? name : undefined;
  }
  /** How an answer value (country code, continent, currency code, capital) reads in this language. */
  answer(family: Family, value: string): string | undefined {
    switch (family) {
      case 'capital': return value;
      case 'flag': return this.country(value);
      case 'currency': return this.currency(value);
      case 'continent': return this.continent(value as CountryFact['continent']);
    }
  }
}

const foldedWords = (text: string) => normalizeQuestionText(text).split(/[^\p{L}]+/u).filter((word) => word.length >= 3);

/**
 * "Moroccan Dirham" for Morocco, "Mexico City" for Mexico, "Danish Krone" for Denmark: an answer
 * that shares a word start with the country's name or demonym answers itself. Such questions are
 * not asked.
 */
export function answerNamesCountry(answer: string, countryNames: readonly string[]): boolean {
  const starts = new Set(countryNames.flatMap(foldedWords).map((word) => word.slice(0, 3)));
  if (foldedWords(answer).some((word) => starts.has(word.slice(0, 3)))) return true;
  // "US Dollar" for the United States, "UAE Dirham" for the United Arab Emirates.
  const initials = new Set(countryNames.map((name) => foldedWords(name).map((word) => word[0]).join('')).filter((i) => i.length >= 2));
  return answer.split(/[^\p{L}]+/u).some((word) => word.length >= 2 && word === word.toUpperCase() && initials.has(word.toLowerCase()));
}

function buildQuestion(candidate: Candidate, params: PoolParams, localizer: Localizer, random: () => number): Question | undefined {
  const { family, country } = candidate;
  const template = TEMPLATES[localizer.lang][family];
  const correct = answerOf(family, country);
  const countryName = localizer.country(country.code);
  if (!template || correct === undefined || !countryName) return undefined;
  const correctText = localizer.answer(family, correct);
  if (!correctText) return undefined;
  if ((family === 'currency' || family === 'capital') && answerNamesCountry(correctText, [countryName, ...country.demonyms])) return undefined;
  const vars = {
    country: countryName,
    flag: country.flag,
    capital: country.capital ?? '',
    currency: (country.currency && localizer.currency(country.currency)) ?? '',
    code: country.currency ?? '',
    continent: localizer.continent(country.continent) ?? '',
  };
  const others = distractors(family, country, params.level, random);
  if (!others) return undefined;
  const otherTexts = others.map((value) => localizer.answer(family, value));
  if (otherTexts.some((text) => !text || text === correctText)) return undefined;

  if (params.type === 'true_false') {
    // Half the statements are true; false ones swap in a plausible distractor.
    const truthful = random() < 0.5;
    const shown = truthful ? correct : others[0]!;
    const shownVars = { ...vars };
    if (!truthful) {
      const wrong = localizer.answer(family, shown)!;
      if (family === 'capital') shownVars.capital = wrong;
      if (family === 'currency') shownVars.currency = wrong;
      if (family === 'continent') shownVars.continent = wrong;
      if (family === 'flag') shownVars.country = wrong;
    }
    return {
      prompt: template.statement(shownVars),
      choices: [...TRUE_FALSE[localizer.lang]],
      answerIndex: truthful ? 0 : 1,
      explanation: template.explain(vars),
      difficulty: params.level,
      source: 'facts',
      model: FACTS_MODEL,
    };
  }
  const choices = shuffled([correctText, ...(otherTexts as string[])], random);
  return {
    prompt: template.ask(vars),
    choices,
    answerIndex: choices.indexOf(correctText),
    explanation: template.explain(vars),
    difficulty: params.level,
    source: 'facts',
    model: FACTS_MODEL,
  };
}

/**
 * Offline generator: questions built from the world-countries data package and CLDR names
 * (Intl.DisplayNames), so the right answer is right by construction. Deterministic for a pool:
 * a replay produces the same questions.
 */
export class FactsGenerator implements QuestionGenerator {
  readonly name = 'facts' as const;
  readonly maxPerCall = Number.POSITIVE_INFINITY;

  supports(params: PoolParams): Support {
    if (!(FACTS_LANGUAGES as readonly string[]).includes(params.lang)) {
      return { ok: false, reason: `the facts generator speaks ${FACTS_LANGUAGES.join(', ')}, not "${params.lang}"` };
    }
    if (params.subject !== 'geography') {
      return { ok: false, reason: `the facts generator covers the subject "geography", not "${params.subject}"` };
    }
    if (familiesFor(params).length === 0) {
      const themes = Object.entries(THEME_FAMILIES)
        .filter(([, families]) => families === 'all' || families.some((f) => TEMPLATES[params.lang as FactsLanguage][f]))
        .map(([theme]) => theme);
      return { ok: false, reason: `the facts generator has no theme "${params.theme}" in "${params.lang}"; try one of ${themes.join(', ')}` };
    }
    return { ok: true };
  }

  async generate({ params, count, excludeIds }: GenerateInput): Promise<GeneratedBatch> {
    const support = this.supports(params);
    if (!support.ok) throw new Error(support.reason);
    const seed = [params.lang, params.level, params.theme, params.type, params.version].join('|');
    const order = seededRandom(seed);
    const candidates = shuffled(
      familiesFor(params).flatMap((family) => COUNTRY_FACTS.map((country) => ({ family, country }))),
      order,
    );
    const localizer = new Localizer(params.lang as FactsLanguage);
    const questions: Question[] = [];
    const seen = new Set(excludeIds);
    for (const candidate of candidates) {
      if (questions.length >= count) break;
      // Each question draws its own choices from its own seed: independent of what came before.
      const random = seededRandom(`${seed}|${candidate.family}|${candidate.country.code}`);
      const question = buildQuestion(candidate, params, localizer, random);
      if (!question) continue;
      const id = questionIdOf(question.prompt);
      if (seen.has(id)) continue;
      seen.add(id);
      questions.push(question);
    }
    return { questions, model: FACTS_MODEL, tokensIn: 0, tokensOut: 0, modelCalls: 0, exhausted: questions.length < count };
  }
}
