import type { PoolParams } from '../../questions/poolParams';
import type { GenerateInput, GeneratedBatch, QuestionGenerator, Support } from '../../questions/generator';
import { seededRandom, shuffled } from '../../questions/facts/random';
import { questionIdOf, type Question } from '../../questions/question';
import type { DiscoveryItem } from '../types';
import { TRENDING_FEEDS } from './loadTrendingItems';

export const TRENDING_THEME = 'trending';
export const TRENDING_MODEL = 'trending-facts-v1';
const LANGUAGES = ['en', 'fr', 'es'] as const;
type Lang = (typeof LANGUAGES)[number];

const KIND: Record<string, Record<Lang, string>> = {
  cinema: { en: 'films', fr: 'films', es: 'películas' },
  tv: { en: 'series', fr: 'séries', es: 'series' },
  anime: { en: 'anime', fr: 'animes', es: 'animes' },
  'video-games': { en: 'games', fr: 'jeux', es: 'juegos' },
  music: { en: 'songs', fr: 'titres', es: 'canciones' },
};

const TEXT: Record<Lang, { year: (kind: string, title: string) => string; yearWhy: (title: string, date: string) => string; artist: (title: string) => string; artistWhy: (title: string, artist: string) => string }> = {
  en: {
    year: (kind, title) => `In which year did “${title}”, one of this week's trending ${kind}, come out?`,
    yearWhy: (title, date) => `“${title}” came out on ${date}.`,
    artist: (title) => `Who performs the trending song “${title}”?`,
    artistWhy: (title, artist) => `“${title}” is by ${artist}.`,
  },
  fr: {
    year: (kind, title) => `En quelle année est sorti « ${title} », parmi les ${kind} du moment ?`,
    yearWhy: (title, date) => `« ${title} » est sorti le ${date}.`,
    artist: (title) => `Qui interprète le titre du moment « ${title} » ?`,
    artistWhy: (title, artist) => `« ${title} » est interprété par ${artist}.`,
  },
  es: {
    year: (kind, title) => `¿En qué año salió «${title}», uno de los ${kind} del momento?`,
    yearWhy: (title, date) => `«${title}» salió el ${date}.`,
    artist: (title) => `¿Quién interpreta la canción del momento «${title}»?`,
    artistWhy: (title, artist) => `«${title}» es de ${artist}.`,
  },
};

const yearOf = (item: DiscoveryItem) => (item.releaseDate && /^\d{4}/.test(item.releaseDate) ? item.releaseDate.slice(0, 4) : undefined);

/** "In which year did TITLE come out?": the year from the data against three other years. */
function releaseYearQuestion(item: DiscoveryItem, items: DiscoveryItem[], params: PoolParams, random: () => number): Question | undefined {
  const year = yearOf(item);
  if (!year) return undefined;
  // Years other items of the list came out in first, then neighbouring years: all wrong by construction.
  const fromList = shuffled([...new Set(items.map(yearOf).filter((y): y is string => !!y && y !== year))], random);
  const nearby = [-1, 1, -2, 2, -3, 3].map((d) => String(Number(year) + d));
  const others = [...new Set([...fromList, ...nearby])].filter((y) => y !== year).slice(0, 3);
  const lang = params.lang as Lang;
  const choices = shuffled([year, ...others], random);
  return {
    prompt: TEXT[lang].year(KIND[params.subject]![lang], item.title),
    choices,
    answerIndex: choices.indexOf(year),
    explanation: TEXT[lang].yearWhy(item.title, item.releaseDate!),
    difficulty: params.level,
    source: 'facts',
    model: TRENDING_MODEL,
  };
}

/** "Who performs TITLE?": the chart's own artist, against three other artists of the chart. */
function artistQuestion(item: DiscoveryItem, items: DiscoveryItem[], params: PoolParams, random: () => number): Question | undefined {
  if (!item.subtitle) return undefined;
  // A title sung by two different artists in the chart has no single answer.
  if (items.some((other) => other.title === item.title && other.subtitle !== item.subtitle)) return undefined;
  const artists = [...new Set(items.map((i) => i.subtitle).filter((a): a is string => !!a && a !== item.subtitle))];
  if (artists.length < 3) return undefined;
  const lang = params.lang as Lang;
  const choices = shuffled([item.subtitle, ...shuffled(artists, random).slice(0, 3)], random);
  return {
    prompt: TEXT[lang].artist(item.title),
    choices,
    answerIndex: choices.indexOf(item.subtitle),
    explanation: TEXT[lang].artistWhy(item.title, item.subtitle),
    difficulty: params.level,
    source: 'facts',
    model: TRENDING_MODEL,
  };
}

/**
 * Questions built from the discovery cache's trending lists and charts (release years, artists):
 * right by construction, as fresh as the cache. Serves theme "trending" of the subjects the
 * discovery feeds cover.
 */
export class TrendingFactsGenerator implements QuestionGenerator {
  readonly name = 'facts' as const;
  readonly maxPerCall = Number.POSITIVE_INFINITY;

  constructor(private readonly loadItems: (subject: string) => Promise<DiscoveryItem[]>) {}

  supports(params: PoolParams): Support {
    if (params.theme !== TRENDING_THEME) return { ok: false, reason: `trending questions need the theme "${TRENDING_THEME}"` };
    if (!TRENDING_FEEDS[params.subject]) return { ok: false, reason: `no trending feed for the subject "${params.subject}"` };
    if (!(LANGUAGES as readonly string[]).includes(params.lang)) return { ok: false, reason: `trending questions are written in ${LANGUAGES.join(', ')}` };
    if (params.type !== 'mcq') return { ok: false, reason: 'trending questions are multiple choice' };
    return { ok: true };
  }

  async generate({ params, count, excludeIds }: GenerateInput): Promise<GeneratedBatch> {
    const items = await this.loadItems(params.subject);
    const seed = `${params.lang}|${params.subject}|${params.version}`;
    const questions: Question[] = [];
    const seen = new Set(excludeIds);
    for (const item of shuffled(items, seededRandom(seed))) {
      if (questions.length >= count) break;
      for (const build of params.subject === 'music' ? [artistQuestion, releaseYearQuestion] : [releaseYearQuestion]) {
        if (questions.length >= count) break;
        const question = build(item, items, params, seededRandom(`${seed}|${build.name}|${item.id}`));
        if (!question) continue;
        const id = questionIdOf(question.prompt);
        if (seen.has(id)) continue;
        seen.add(id);
        questions.push(question);
      }
    }
    return { questions, model: TRENDING_MODEL, tokensIn: 0, tokensOut: 0, modelCalls: 0, exhausted: questions.length < count };
  }
}
