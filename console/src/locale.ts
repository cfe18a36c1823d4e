// Imported first by main.ts. A browser started with LANG=C reports navigator.language "en-US@posix",
// which Intl refuses; uPlot builds an Intl.NumberFormat from it when its module loads, and that error
// would stop the whole console. Such a browser gets its base tag instead.
try {
  new Intl.NumberFormat(navigator.language);
} catch {
  const base = navigator.language.split('@')[0] ?? '';
  let tag = 'en-US';
  try {
    new Intl.NumberFormat(base);
    tag = base;
  } catch { /* keep en-US */ }
  Object.defineProperty(navigator, 'language', { value: tag, configurable: true });
}
export {};
