import worldCountries from 'world-countries';

// UN member states only: their flags, capitals and currencies are unambiguous, unlike territories
// that share a flag or a currency with their sovereign state.
export type Continent = 'africa' | 'asia' | 'europe' | 'north-america' | 'south-america' | 'oceania';

export type CountryFact = {
  code: string;
  flag: string;
  capital: string | undefined;
  currency: string | undefined;
  continent: Continent;
  subregion: string;
  /** English and French demonyms: "Danish", "Danois" tell "Danish Krone" answers itself. */
  demonyms: string[];
};

/** UN M49 codes, so CLDR (Intl.DisplayNames) names continents in every language. */
export const CONTINENT_REGION_CODES: Record<Continent, string> = {
  africa: '002',
  asia: '142',
  europe: '150',
  'north-america': '003',
  'south-america': '005',
  oceania: '009',
};

// Transcontinental states have no single right answer to "which continent".
const TRANSCONTINENTAL = new Set(['RU', 'TR', 'KZ', 'AZ', 'GE', 'EG', 'CY', 'AM']);

function continentOf(region: string, subregion: string): Continent | undefined {
  switch (region) {
    case 'Africa': return 'africa';
    case 'Asia': return 'asia';
    case 'Europe': return 'europe';
    case 'Oceania': return 'oceania';
    case 'Americas': return subregion === 'South America' ? 'south-america' : 'north-america';
    default: return undefined;
  }
}

function buildFacts(): CountryFact[] {
  const facts: CountryFact[] = [];
  const capitalCounts = new Map<string, number>();
  for (const country of worldCountries) {
    for (const capital of country.capital) capitalCounts.set(capital, (capitalCounts.get(capital) ?? 0) + 1);
  }
  for (const country of worldCountries) {
    if (!country.unMember) continue;
    const continent = continentOf(country.region, country.subregion);
    if (!continent) continue;
    const currencies = Object.keys(country.currencies ?? {});
    // Several capitals, or a capital name shared with another country, has no single right answer.
    const capital = country.capital.length === 1 && capitalCounts.get(country.capital[0]!) === 1 ? country.capital[0] : undefined;
    facts.push({
      code: country.cca2,
      flag: country.flag,
      capital,
      currency: currencies.length === 1 ? currencies[0] : undefined,
      continent,
      subregion: country.subregion,
      demonyms: Object.values(country.demonyms ?? {}).flatMap((forms) => [forms.m, forms.f]),
    });
  }
  return facts.sort((a, b) => a.code.localeCompare(b.code));
}

export const COUNTRY_FACTS: readonly CountryFact[] = buildFacts();
export const TRANSCONTINENTAL_COUNTRIES: ReadonlySet<string> = TRANSCONTINENTAL;
