// Sentences are built to avoid articles and gendered agreement ("la France", "el Perú"), which
// a template cannot get right for every country.
export const FACTS_LANGUAGES = ['en', 'fr', 'es'] as const;
export type FactsLanguage = (typeof FACTS_LANGUAGES)[number];
export type Family = 'capital' | 'flag' | 'currency' | 'continent';

type Vars = Record<string, string>;
type Template = { ask: (v: Vars) => string; statement: (v: Vars) => string; explain: (v: Vars) => string };

export const TRUE_FALSE: Record<FactsLanguage, [string, string]> = {
  en: ['True', 'False'],
  fr: ['Vrai', 'Faux'],
  es: ['Verdadero', 'Falso'],
};

export const TEMPLATES: Record<FactsLanguage, Partial<Record<Family, Template>>> = {
  en: {
    capital: {
      ask: (v) => `What is the capital of ${v.country}?`,
      statement: (v) => `True or false: ${v.capital} is the capital of ${v.country}.`,
      explain: (v) => `${v.capital} is the capital of ${v.country}.`,
    },
    flag: {
      ask: (v) => `Which country does this flag belong to? ${v.flag}`,
      statement: (v) => `True or false: this is the flag of ${v.country}. ${v.flag}`,
      explain: (v) => `${v.flag} is the flag of ${v.country}.`,
    },
    currency: {
      ask: (v) => `What is the official currency of ${v.country}?`,
      statement: (v) => `True or false: the official currency of ${v.country} is the ${v.currency}.`,
      explain: (v) => `The official currency of ${v.country} is the ${v.currency} (${v.code}).`,
    },
    continent: {
      ask: (v) => `On which continent is ${v.country}?`,
      statement: (v) => `True or false: ${v.country} is in ${v.continent}.`,
      explain: (v) => `${v.country} is in ${v.continent}.`,
    },
  },
  fr: {
    flag: {
      ask: (v) => `À quel pays appartient ce drapeau ? ${v.flag}`,
      statement: (v) => `Vrai ou faux : ce drapeau est celui du pays suivant : ${v.country}. ${v.flag}`,
      explain: (v) => `${v.flag} est le drapeau du pays suivant : ${v.country}.`,
    },
    currency: {
      ask: (v) => `Quelle est la monnaie officielle de ce pays : ${v.country} ?`,
      statement: (v) => `Vrai ou faux : la monnaie officielle de ce pays (${v.country}) est la suivante : ${v.currency}.`,
      explain: (v) => `Pays : ${v.country}. Monnaie officielle : ${v.currency} (${v.code}).`,
    },
    continent: {
      ask: (v) => `Sur quel continent se trouve ce pays : ${v.country} ?`,
      statement: (v) => `Vrai ou faux : ce pays (${v.country}) se trouve sur le continent suivant : ${v.continent}.`,
      explain: (v) => `Pays : ${v.country}. Continent : ${v.continent}.`,
    },
  },
  es: {
    flag: {
      ask: (v) => `¿A qué país pertenece esta bandera? ${v.flag}`,
      statement: (v) => `¿Verdadero o falso? Esta es la bandera del siguiente país: ${v.country}. ${v.flag}`,
      explain: (v) => `${v.flag} es la bandera del siguiente país: ${v.country}.`,
    },
    currency: {
      ask: (v) => `¿Cuál es la moneda oficial de este país: ${v.country}?`,
      statement: (v) => `¿Verdadero o falso? La moneda oficial de este país (${v.country}) es la siguiente: ${v.currency}.`,
      explain: (v) => `País: ${v.country}. Moneda oficial: ${v.currency} (${v.code}).`,
    },
    continent: {
      ask: (v) => `¿En qué continente se encuentra este país: ${v.country}?`,
      statement: (v) => `¿Verdadero o falso? Este país (${v.country}) se encuentra en el siguiente continente: ${v.continent}.`,
      explain: (v) => `País: ${v.country}. Continente: ${v.continent}.`,
    },
  },
};

/**
 * Themes the facts generator understands, in the languages players type them. Capital names
 * exist only in English in the data package, so capitals are English only.
 */
export const THEME_FAMILIES: Record<string, Family[] | 'all'> = {
  world: 'all', monde: 'all', mundo: 'all', countries: 'all', pays: 'all', paises: 'all',
  capitals: ['capital'], 'capital-cities': ['capital'], capitales: ['capital'],
  flags: ['flag'], drapeaux: ['flag'], banderas: ['flag'],
  currencies: ['currency'], monnaies: ['currency'], devises: ['currency'], monedas: ['currency'],
  continents: ['continent'], continentes: ['continent'],
};
